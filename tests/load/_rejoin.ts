import { addGuardian, api } from "../_helpers/council_api.ts";
import { joinThroughPage, launchChromium } from "../_helpers/browser.ts";
import { speech } from "../fixtures/audio/speech.ts";
import { toBase64 } from "../../witness/base64.ts";
import { benchCouncil } from "../../bench/_council.ts";
const council = await benchCouncil({ COUNCIL_MEDIA_WORKERS: "2", COUNCIL_WEBRTC_WORKERS: "2" }, ["opus", "PCMU", "PCMA"]);
const chromium = await launchChromium((await speech(1, 48000)).map((x) => x >> 3), 48000);
const pages = [];
for (const n of ["a", "b"]) {
  const g = await addGuardian(council.url, n);
  pages.push(await joinThroughPage(chromium.browser, council.url, { guardian: n, room: "r", key: toBase64(g.secret) }));
}
const show = async (label: string) => {
  const m = (await api(council.url, "GET", "/api/v1/media")).body as { workers: { legs: number; rooms: string[] }[] };
  const r = (await api(council.url, "GET", "/api/v1/rooms/r")).body as { members: { memberId: string; protocol: string; stats?: { packetsIn: number } }[] };
  console.log(label, JSON.stringify(m.workers.map((w) => [w.legs, w.rooms])), JSON.stringify(r.members.map((x) => [x.memberId.slice(0, 8), x.stats?.packetsIn])));
};
await new Promise((r) => setTimeout(r, 2000));
await show("before");
const mw = (await api(council.url, "GET", "/api/v1/media")).body as { workers: { index: number; rooms: string[] }[] };
await api(council.url, "POST", `/api/v1/media/workers/${mw.workers.find((w) => w.rooms.includes("r"))!.index}/kill`);
await new Promise((r) => setTimeout(r, 3000));
await show("after media kill");
const v = (await api(council.url, "GET", "/api/v1/webrtc")).body as { rooms: { room: string; worker: number }[]; workers: { index: number; pid: number }[] };
const pid = v.workers.find((w) => w.index === v.rooms[0].worker)!.pid;
Deno.kill(pid, "SIGKILL");
await new Promise((r) => setTimeout(r, 5000));
await show("after");
for (const l of council.lines) if (/"level":"(warn|error)"/.test(l)) console.log(l.slice(0, 300));
await chromium.close();
await council.stop();
