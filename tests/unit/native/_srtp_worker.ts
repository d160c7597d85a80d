// Loads SRTP in a worker thread, as every media worker does, and says how it went.
import { loadSrtp } from "../../../native/srtp.ts";
try {
  loadSrtp();
  self.postMessage("ok");
} catch (err) {
  self.postMessage(String(err));
}
