import { Hono } from 'hono';
import { InviteSigner } from './access/invites.ts';
import { AnnotationService } from './annotations/service.ts';
import { PasswordGuard } from './access/passwordGuard.ts';
import { chatRoomEvents } from './chat/roomEvents.ts';
import { ChatService } from './chat/service.ts';
import { ClusterChat } from './chat/clusterFeed.ts';
import type { ChatHistoryStore } from './chat/historyStore.ts';
import { ChatStore } from './chat/store.ts';
import { RoomFederation } from './cluster/federation.ts';
import { ClusterFiles } from './cluster/clusterFiles.ts';
import { Cluster } from './cluster/index.ts';
import { RoomHosting } from './cluster/roomHosting.ts';
import { SharedAccess } from './cluster/sharedAccess.ts';
import { TransferLocations } from './cluster/transferLocations.ts';
import { withRoomListeners, type RoomListener } from './cluster/roomListeners.ts';
import { ConfigError, loadConfig, prepareDataDir, type Config } from './config.ts';
import { mountClient, mountHealth } from './http/app.ts';
import { mountGoodbye } from './http/goodbye.ts';
import { listen } from './http/listen.ts';
import { mountMetrics } from './http/metrics.ts';
import { mountPhoneLink } from './http/phoneLink.ts';
import { mountSecurityHeaders } from './http/securityHeaders.ts';
import { mountTestHooks } from './http/testHooks.ts';
import { createLogger } from './log.ts';
import { RoomRegistry } from './sfu/rooms.ts';
import { WorkerPool } from './sfu/workerPool.ts';
import { KeyedRateLimiter } from './signaling/rateLimit.ts';
import { mountSignaling } from './signaling/websocket.ts';

/* Composition root: config → workers → rooms → HTTP + WebSocket. Nothing else lives here. */

const log = createLogger('server');
let config: Config;
let cluster: Cluster | undefined;
try {
  config = loadConfig();
  prepareDataDir(config.dataDir);
  // With REDIS_URL this server is one of a service: chat history and the room directory live in Redis.
  if (config.cluster) cluster = await Cluster.connect(config.cluster);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  // For the operator: what to fix, one sentence each, without a stack trace.
  for (const problem of error.problems) process.stderr.write(`${problem}\n`);
  process.exit(1);
}

// Chat history outlives rooms, workers and restarts; the service is a participant in every room's chat.
const chatStore: ChatHistoryStore = cluster?.chatStore ?? ChatStore.open(config.dataDir);
const chat = new ChatService(chatStore);
chat.startRetention(config.chatRetentionMs);
const roomListeners: RoomListener[] = [];
// A room's meeting (password, instance id) is one across the service: agreed in Redis before anyone is admitted.
const meetings = cluster ? new SharedAccess(cluster.meetings) : undefined;
if (cluster && config.cluster && meetings) {
  const clusterChat = new ClusterChat(chat, cluster.bus, chatStore);
  // People of a room on other servers seen and heard: media links between the servers' routers for the room.
  const federation = new RoomFederation(
    cluster.bus,
    cluster.registry,
    { listenIp: config.rtcListenIp, announcedAddress: config.cluster.address, enableSrtp: true, sctpSendBufferSize: config.sctpSendBufferSize },
    cluster.directory,
  );
  // File transfers between people on different servers: each lives where its sender is, reached over the bus.
  const clusterFiles = new ClusterFiles(cluster.bus, new TransferLocations(cluster.commands), federation);
  roomListeners.push(meetings, clusterChat, new RoomHosting(cluster.directory), federation, clusterFiles);
  cluster.registry.onRejoined(() => clusterChat.rejoined());
  // A room whose meeting could not be vouched for while Redis was away says who is here again once it can.
  meetings.onRegained((room) => {
    const shared = federation.shared(room.id);
    if (shared?.room === room) shared.announce();
  });
  await federation.start();
  await clusterFiles.start();
  await cluster.start();
}

// A worker that dies is replaced and only its rooms are rebuilt (their people rejoin by themselves).
const pool = await WorkerPool.create(config);
const annotations = new AnnotationService();
const events = withRoomListeners(chatRoomEvents(chat, annotations), roomListeners);
const rooms = new RoomRegistry(pool, { events, sctpSendBufferSize: config.sctpSendBufferSize });

const app = new Hono();
mountSecurityHeaders(app);
mountHealth(app, rooms);
mountMetrics(app, rooms, pool, chat.stats, annotations.stats);
const joinLimiter = new KeyedRateLimiter(config.joinRatePerMinute, config.joinRatePerMinute / 60);
// In a service, invites made on one server are checked on another, and wrong passwords are counted on all.
const inviteSecret = cluster && config.inviteSecretRandom ? await cluster.agreeOnInviteSecret(config.inviteSecret) : config.inviteSecret;
const invites = new InviteSigner(inviteSecret, config.inviteTtlS);
const passwords = new PasswordGuard(Date.now, cluster?.failures);
const connections = mountSignaling(app, { config, rooms, joinLimiter, invites, passwords, chat, meetings });
if (config.testHooks) mountTestHooks(app, connections, rooms);
mountGoodbye(app, rooms);
let lanUrl: string | undefined;
mountPhoneLink(app, () => config.publicUrl ?? lanUrl);
mountClient(app, config.staticDir);

const listening = await listen(app, config);
lanUrl = listening.phoneUrl;

function shutdown(signal: string): void {
  log.info('shutting down', { signal });
  for (const server of listening.servers) server.close();
  void rooms
    .closeAll()
    .then(() => cluster?.stop())
    .finally(() => {
      pool.close();
      chatStore.close();
      process.exit(0);
    });
}
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
