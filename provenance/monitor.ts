// Provenance around the clock, in one place for main.ts and the routes: chain heads
// anchored in the witness at an interval and at every stream's end (chain_anchors.ts),
// every live chain checked on the same read (chain_health.ts), the whole witness
// audited on a schedule (witness_audit.ts). What operators read: `status()`.

import type { MediaEngine } from "../media/engine/mod.ts";
import type { Logger } from "../telemetry/mod.ts";
import type { WitnessLog } from "../witness/mod.ts";
import { ChainAnchors } from "./chain_anchors.ts";
import { ChainHealth, type RoomHealth, type StreamHealth } from "./chain_health.ts";
import { liveAuditSource, WitnessAuditor, type WitnessAuditReport } from "./witness_audit.ts";

export interface ProvenanceStatus {
  rooms: RoomHealth[];
  streams: StreamHealth[];
  witness: {
    size: number;
    auditEverySec: number;
    auditRunning: boolean;
    audits: number;
    failures: number;
    lastAudit: WitnessAuditReport | null;
  };
}

export interface ProvenanceMonitorOptions {
  media: MediaEngine;
  witness: WitnessLog;
  kv: Deno.Kv;
  log: Logger;
  mediaPublicKey: () => Promise<Uint8Array | undefined>;
  activeRooms: () => { room: string; since: number }[];
  /** A failed audit, for the operators' event stream and webhook. */
  onAuditFailure?: (report: WitnessAuditReport) => void;
  anchorEveryMs?: number;
  /** 0: only when asked. */
  auditEveryMs?: number;
}

export class ProvenanceMonitor {
  readonly anchors: ChainAnchors;
  readonly health: ChainHealth;
  readonly auditor: WitnessAuditor;

  constructor(private readonly o: ProvenanceMonitorOptions) {
    this.anchors = new ChainAnchors({
      media: o.media,
      witness: o.witness,
      log: o.log,
      everyMs: o.anchorEveryMs,
    });
    this.health = new ChainHealth({
      mediaPublicKey: o.mediaPublicKey,
      activeRooms: o.activeRooms,
    });
    o.media.on((e) => this.health.onMedia(e));
    this.anchors.onHeads((heads) =>
      this.health.check(heads).catch((err) => o.log.warn("chain health not checked", { err }))
    );
    this.auditor = new WitnessAuditor({
      source: () => liveAuditSource(o.kv, o.witness.signer),
      everyMs: o.auditEveryMs,
      onFailure: (report) => {
        o.log.error("the witness failed its audit", {
          firstBadIndex: report.firstBadIndex,
          problems: report.problems.map((p) => p.message),
        });
        o.onAuditFailure?.(report);
      },
    });
  }

  /** Audits the whole witness now (an operator asked). */
  audit(by: string): Promise<WitnessAuditReport> {
    return this.auditor.run(by);
  }

  status(): ProvenanceStatus {
    return {
      rooms: this.health.rooms(),
      streams: this.health.streams(),
      witness: {
        size: this.o.witness.size,
        auditEverySec: Math.round(this.auditor.everyMs / 1000),
        auditRunning: this.auditor.running,
        audits: this.auditor.counts.runs,
        failures: this.auditor.counts.failures,
        lastAudit: this.auditor.last ?? null,
      },
    };
  }

  close(): void {
    this.anchors.close();
    this.auditor.close();
  }
}
