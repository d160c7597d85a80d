// The rooms API with real members: an operator creates an ESCALATE room, calls a
// registered baresip phone into it, a WebRTC member joins over /ws (PII refused by
// the room's call type), and the operator watches the room's events (server-sent
// stream and WebSocket), mutes, removes and finally closes the room, which hangs
// the phone up. Definitions survive a restart; bad requests name their field.

import assert from "node:assert/strict";
import { startCouncilProcess } from "../_helpers/council_process.ts";
import { addGuardian, api, OPERATOR } from "../_helpers/council_api.ts";
import { runBaresip } from "../_helpers/baresip.ts";
import { speech } from "../_helpers/audio.ts";
import { until } from "../_helpers/wait.ts";
import { joinWs, openWs } from "../_helpers/ws_member.ts";

interface SseEvent {
  id?: string;
  event: string;
  data: Record<string, unknown>;
}

/** Reads a server-sent event stream into a list, until aborted. */
function readSse(url: string, headers: Record<string, string> = {}) {
  const events: SseEvent[] = [];
  const abort = new AbortController();
  const done = (async () => {
    const res = await fetch(url, { signal: abort.signal, headers });
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /text\/event-stream/);
    let buffered = "";
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body!) {
        buffered += decoder.decode(chunk, { stream: true });
        let end;
        while ((end = buffered.indexOf("\n\n")) >= 0) {
          const block = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const e: Partial<SseEvent> = {};
          for (const line of block.split("\n")) {
            const [k, ...v] = line.split(": ");
            if (k === "id") e.id = v.join(": ");
            if (k === "event") e.event = v.join(": ");
            if (k === "data") e.data = JSON.parse(v.join(": "));
          }
          if (e.event) events.push(e as SseEvent);
        }
      }
    } catch (err) {
      if (!abort.signal.aborted) throw err;
    }
  })();
  return {
    events,
    async close() {
      abort.abort();
      await done.catch(() => {});
    },
  };
}

interface RoomStatus {
  room: string;
  definition: { callType: string; videoLayout: string } | null;
  members: {
    memberId: string;
    guardianId: string;
    protocol: string;
    muted: boolean;
    speaking: boolean;
    stats?: { packetsIn: number; mos: number };
  }[];
  speaker: string | null;
}

Deno.test({
  name: "rooms API: create, call a phone in, watch, mute, remove, close (real baresip and /ws)",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const council = await startCouncilProcess({
      COUNCIL_API_OPERATOR_TOKEN: OPERATOR,
      COUNCIL_SIP_DIGEST_ALGORITHMS: "MD5",
    });
    let sse: ReturnType<typeof readSse> | undefined;
    try {
      await addGuardian(council.url, "alice", { sipPassword: "alices-password-1" });
      const bob = await addGuardian(council.url, "bob");

      // Create: defaults filled in, a duplicate refused, bad fields named.
      const created = await api(council.url, "POST", "/api/v1/rooms", {
        name: "council",
        callType: "ESCALATE",
        capacity: 5,
        videoLayout: "speaker",
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.deepEqual(
        (({ mixing, allowedCodecs, capacity }) => ({ mixing, allowedCodecs, capacity }))(
          created.body as { mixing: string; allowedCodecs: string[]; capacity: number },
        ),
        {
          mixing: "all",
          allowedCodecs: ["opus", "G722", "PCMU", "PCMA", "G729", "L16"],
          capacity: 5,
        },
      );
      assert.equal(
        (await api(council.url, "POST", "/api/v1/rooms", { name: "council" })).status,
        409,
      );
      for (
        const [body, field] of [
          [{ name: "Bad Name" }, /name/],
          [{ name: "x", capacity: 26 }, /capacity/],
          [{ name: "x", mixing: "loud" }, /mixing/],
          [{ name: "x", allowedCodecs: ["GSM"] }, /allowedCodecs/],
          [{ name: "x", colour: "red" }, /colour/],
          [{ name: "gateway" }, /reserved/],
        ] as const
      ) {
        const r = await api(council.url, "POST", "/api/v1/rooms", body);
        assert.equal(r.status, 400, JSON.stringify(body));
        assert.match((r.body as { error: { message: string } }).error.message, field);
      }
      const unauth = await fetch(`${council.url}/api/v1/rooms`);
      assert.equal(unauth.status, 401);
      await unauth.body?.cancel();

      // Watch the room: a server-sent stream (token in the query, as EventSource must).
      sse = readSse(`${council.url}/api/v1/rooms/council/events?access_token=${OPERATOR}`);
      const ws = new WebSocket(
        `${council.url.replace("http", "ws")}/api/v1/rooms/council/events?access_token=${OPERATOR}`,
      );
      const wsEvents: { name: string; seq: number }[] = [];
      ws.onmessage = (e) => wsEvents.push(JSON.parse(e.data));
      await new Promise((r) => (ws.onopen = r));

      // Call alice's registered phone into the room.
      const phone = runBaresip({
        sipPort: council.sipPort,
        user: "alice",
        password: "alices-password-1",
        answer: true,
        say: await speech(1, 8000),
        seconds: 14,
      });
      await until(
        "alice registers",
        async () =>
          ((await api(council.url, "GET", "/api/v1/sip/registrations")).body as {
            registrations: { guardianId: string }[];
          }).registrations.some((r) => r.guardianId === "if://guardian/alice"),
      );
      const invited = await api(council.url, "POST", "/api/v1/rooms/council/members", {
        guardianId: "if://guardian/alice",
      });
      assert.equal(invited.status, 201, JSON.stringify(invited.body));
      const { legId, protocol } = invited.body as { legId: string; protocol: string };
      assert.equal(protocol, "sip");
      const nobody = await api(council.url, "POST", "/api/v1/rooms/council/members", {
        guardianId: bob.id,
      });
      assert.equal(nobody.status, 404, "bob has no registration anywhere");

      // Bob joins from a browser's protocol: PII is refused in an ESCALATE room even
      // though his request says ROUTINE; without PII he is in.
      const bws = await openWs(council);
      bws.send({
        type: "join",
        id: 2,
        room: "council",
        admission: await bob.request("council", { codecs: ["opus"], pii: true }),
      });
      assert.match(String((await bws.answer(2)).message), /PII_POLICY_VIOLATION/);
      bws.send({
        type: "join",
        id: 3,
        room: "council",
        admission: await bob.request("council", { codecs: ["opus"], bandwidthKbps: 64 }),
      });
      const joined = (await bws.answer(3)).data as { memberId: string; videoLayout: string };
      assert.equal(joined.videoLayout, "speaker");

      // Status: both members, their protocols, media stats for the phone.
      const status = await until("both members with media", async () => {
        const s = (await api(council.url, "GET", "/api/v1/rooms/council")).body as RoomStatus;
        const sip = s.members.find((m) => m.protocol === "sip");
        return s.members.length === 2 && (sip?.stats?.packetsIn ?? 0) > 20 && s;
      });
      assert.deepEqual(status.members.map((m) => m.protocol).sort(), ["sip", "webrtc"]);
      assert.equal(status.definition?.callType, "ESCALATE");
      assert.equal(typeof status.members[0].speaking, "boolean");
      const listed = (await api(council.url, "GET", "/api/v1/rooms")).body as {
        rooms: { room: string; members: number }[];
      };
      assert.deepEqual(listed.rooms.map((r) => [r.room, r.members]), [["council", 2]]);

      // Mute the phone, then remove bob: he is told why.
      const muted = await api(council.url, "POST", `/api/v1/rooms/council/members/${legId}/mute`, {
        muted: true,
      });
      assert.equal(muted.status, 200);
      assert.equal(
        (await api(council.url, "POST", "/api/v1/rooms/council/members/nobody/mute", {
          muted: true,
        })).status,
        404,
      );
      assert.equal(
        (await api(council.url, "POST", `/api/v1/rooms/council/members/${legId}/mute`, {
          muted: "yes",
        })).status,
        400,
      );
      const removed = await api(
        council.url,
        "DELETE",
        `/api/v1/rooms/council/members/${joined.memberId}`,
      );
      assert.equal(removed.status, 204);
      await until(
        "bob is told",
        () =>
          bws.msgs.some((m) =>
            m.name === "session.ended" && (m.data as { reason: string }).reason === "removed"
          ),
      );
      await bws.close();

      // Close the room: the phone is hung up, the room is gone.
      assert.equal((await api(council.url, "DELETE", "/api/v1/rooms/council")).status, 204);
      assert.equal((await api(council.url, "GET", "/api/v1/rooms/council")).status, 404);
      assert.deepEqual(
        ((await api(council.url, "GET", "/api/v1/sip/calls")).body as { calls: unknown[] }).calls,
        [],
        "the phone's call was ended by the close",
      );
      assert.equal((await api(council.url, "DELETE", "/api/v1/rooms/council")).status, 404);
      const run = await phone;
      assert.match(run.log, /Call established/);
      assert.match(run.log, /terminated|closed/i, run.log.slice(-1500));

      // The watchers saw it all, numbered, in order.
      const names = await until("the stream saw the room close", () => {
        const n = sse!.events.map((e) => e.event);
        return n.includes("room.closed") && n;
      });
      for (
        const expected of ["member.joined", "member.muted", "member.left", "room.closed"]
      ) assert.ok(names.includes(expected), `${expected} in ${names}`);
      const ids = sse.events.map((e) => Number(e.id));
      assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
      assert.deepEqual(wsEvents.map((e) => e.name), names.slice(0, wsEvents.length));
      ws.close();

      // A reconnecting watcher resumes after the last number it saw.
      const lastButTwo = ids[ids.length - 3];
      const again = readSse(`${council.url}/api/v1/rooms/council/events`, {
        authorization: `Bearer ${OPERATOR}`,
        "last-event-id": String(lastButTwo),
      });
      await until("replayed", () => again.events.length >= 2);
      assert.deepEqual(again.events.map((e) => Number(e.id)), ids.slice(-2));
      await again.close();

      // Witnessed: every operator action.
      const size = ((await api(council.url, "POST", "/api/v1/witness/head")).body as {
        size: number;
      }).size;
      const entries =
        ((await api(council.url, "GET", `/api/v1/witness/entries?start=0&end=${size}`))
          .body as { entries: { type: string }[] }).entries.map((e) => e.type);
      for (
        const t of [
          "room.created",
          "room.member.invited",
          "room.member.muted",
          "room.member.removed",
          "room.closed",
        ]
      ) assert.ok(entries.includes(t), `${t} witnessed`);
    } finally {
      await sse?.close();
      await council.stop();
    }
  },
});

Deno.test({
  name: "rooms API: definitions survive a restart; a moderated room's members join muted",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const env = {
      COUNCIL_API_OPERATOR_TOKEN: OPERATOR,
      COUNCIL_KV_PATH: `${dir}/council.kv`,
    };
    try {
      let council = await startCouncilProcess(env);
      try {
        const r = await api(council.url, "POST", "/api/v1/rooms", {
          name: "lecture",
          mixing: "moderated",
          allowedCodecs: ["opus"],
        });
        assert.equal(r.status, 201);
      } finally {
        await council.stop();
      }
      council = await startCouncilProcess(env);
      try {
        const listed = (await api(council.url, "GET", "/api/v1/rooms")).body as {
          rooms: { room: string; definition: { mixing: string } }[];
        };
        assert.deepEqual(listed.rooms.map((r) => [r.room, r.definition.mixing]), [[
          "lecture",
          "moderated",
        ]]);
        const carol = await addGuardian(council.url, "carol");
        const ws = await joinWs(council, carol, "lecture");
        const s = (await api(council.url, "GET", "/api/v1/rooms/lecture")).body as RoomStatus;
        assert.deepEqual(s.members.map((m) => m.muted), [true], "joins without the floor");
        // The operator gives carol the floor.
        const memberId = s.members[0].memberId;
        await api(council.url, "POST", `/api/v1/rooms/lecture/members/${memberId}/mute`, {
          muted: false,
        });
        const after = (await api(council.url, "GET", "/api/v1/rooms/lecture")).body as RoomStatus;
        assert.deepEqual(after.members.map((m) => m.muted), [false]);
        await ws.close();
      } finally {
        await council.stop();
      }
    } finally {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
