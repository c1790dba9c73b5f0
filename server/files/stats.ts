/**
 * File-transfer totals across every room, for /metrics. Bytes of open links are read from mediasoup when scraped
 * (FileLinks.bytes); what closed links had counted is added here when they close.
 */
export class FileStats {
  /** Payload bytes the SFU received on file links that have since closed. */
  closedBytesReceived = 0;
  /** Payload bytes the SFU sent to receivers on file links that have since closed (once per receiver). */
  closedBytesRelayed = 0;
  /** Recipients that verified a transfer's SHA-256 (each counted once). */
  completed = 0;
  /** mediasoup's SCTP send buffer toward a receiver of a file link was full: frames may have been dropped. */
  sendBufferFull = 0;
}
