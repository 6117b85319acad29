import type { AckFrame, SendFrame } from '@parley/protocol';
import { connectWire, type WireClient } from '../../helpers/wire-client.js';
import { sleep } from './world.js';

/**
 * A device that speaks raw frames (to send what the SDK would not: one clientMsgId on two
 * devices at once) and still behaves as a client does when its connection drops: it connects
 * again, with the same device id, and sends again every send not answered yet. The chaos server's
 * heartbeat is short (a black-holed connection must be noticed within seconds), so on a busy
 * machine a connection is dropped now and then; a raw client that stayed away for good made
 * every later send of the run look lost.
 */
export class RawDevice {
  private readonly clients: WireClient[] = [];
  private readonly sends = new Map<string, SendFrame>();
  private closed = false;
  /** How often the connection was opened again after it dropped. */
  reconnects = 0;

  private constructor(private readonly open: () => Promise<WireClient>) {}

  static async connect(url: string, auth: { token: () => Promise<string>; deviceId: string }): Promise<RawDevice> {
    const device = new RawDevice(async () => {
      const client = await connectWire(url, { token: await auth.token(), deviceId: auth.deviceId });
      // Frames count once the server greeted the connection.
      await client.waitFor((frame) => frame.type === 'welcome', 10_000).catch((error: unknown) => {
        client.close();
        throw error;
      });
      return client;
    });
    device.attach(await device.open());
    return device;
  }

  send(frame: SendFrame): void {
    this.sends.set(frame.clientMsgId, frame);
    // Sent on a connection that just dropped, it is sent again once the device is back.
    this.clients.at(-1)!.send(frame);
  }

  /** The first ACK the device got for each clientMsgId, on whichever of its connections. */
  acks(): Map<string, AckFrame> {
    const acks = new Map<string, AckFrame>();
    for (const client of this.clients) {
      for (const frame of client.frames) if (frame.type === 'ack' && !acks.has(frame.clientMsgId)) acks.set(frame.clientMsgId, frame);
    }
    return acks;
  }

  close(): void {
    this.closed = true;
    for (const client of this.clients) client.close();
  }

  private attach(client: WireClient): void {
    this.clients.push(client);
    client.socket.once('disconnect', () => void this.reopen());
  }

  private async reopen(): Promise<void> {
    while (!this.closed) {
      const client = await this.open().catch(() => null);
      if (!client) {
        await sleep(100);
        continue;
      }
      if (this.closed) return client.close();
      this.reconnects++;
      this.attach(client);
      const answered = this.acks();
      for (const [clientMsgId, frame] of this.sends) if (!answered.has(clientMsgId)) client.send(frame);
      return;
    }
  }
}
