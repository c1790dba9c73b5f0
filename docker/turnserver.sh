#!/bin/sh
# Huddle's coturn: writes turnserver.conf from the environment and starts coturn with it (extra arguments are
# passed on to turnserver). The one source of coturn's configuration: docker/compose.yml runs it as the coturn
# container's entrypoint, and the tests (test/support/coturn.ts) run it with Debian's coturn on loopback.
#
# The only legitimate peer of a Huddle relay is the SFU, so every IPv4 and IPv6 address is denied except the
# SFU's announced address(es): a relay cannot reach cloud metadata (169.254.169.254), loopback, the operator's
# LAN, or anything else on the internet. coturn's rule: an address matched by an allowed-peer-ip is allowed, no
# matter what any denied-peer-ip says (loopback stays refused unless turnserver also gets --allow-loopback-peers,
# which only the tests need, since their SFU listens on a loopback address of its own).
#
# Environment:
#   TURN_SECRET            required: static-auth-secret shared with the app (TURN_SECRET there too)
#   TURN_REALM             required: the realm, usually the host name clients reach coturn at
#   TURN_ALLOWED_PEER_IPS  required: the SFU's announced address(es) (RTC_ANNOUNCED_ADDRESS), comma-separated
#   TURN_PORT              3478: TURN over UDP and TCP
#   TURN_TLS_PORT          5349: TURN over TLS (with TURN_CERT_FILE and TURN_KEY_FILE; without them, no TLS)
#   TURN_EXTERNAL_IP       the public address, when coturn is behind NAT
#   TURN_LISTEN_IP, TURN_RELAY_IP   bind addresses (all when unset)
#   TURN_MIN_PORT, TURN_MAX_PORT    relay port range: 49160-49359
#   TURN_USER_QUOTA        24: concurrent allocations per person (2 transports x 3 TURN URLs x 2 networks,
#                          twice while an ICE restart replaces them)
#   TURN_TOTAL_QUOTA       the size of the relay port range: concurrent allocations in all (one port each)
#   TURN_MAX_BPS           2500000: bytes per second one allocation may carry each way (20 Mbit/s)
#   TURN_CONFIG_FILE       where the configuration is written: /tmp/huddle-turnserver.conf
set -eu

fail() {
  echo "turnserver.sh: $*" >&2
  exit 1
}

[ -n "${TURN_SECRET:-}" ] || fail 'set TURN_SECRET (the static-auth-secret the app signs credentials with)'
[ -n "${TURN_REALM:-}" ] || fail 'set TURN_REALM (the host name clients reach coturn at)'
[ -n "${TURN_ALLOWED_PEER_IPS:-}" ] || fail 'set TURN_ALLOWED_PEER_IPS (the SFU announced address, RTC_ANNOUNCED_ADDRESS)'

min_port=${TURN_MIN_PORT:-49160}
max_port=${TURN_MAX_PORT:-49359}

config() {
  echo 'use-auth-secret'
  echo "static-auth-secret=$TURN_SECRET"
  echo "realm=$TURN_REALM"
  echo 'fingerprint'
  echo 'no-cli'
  echo 'no-software-attribute'
  # STUN answers no larger than the request: no amplification towards a spoofed source.
  echo 'no-rfc5780'
  echo 'no-stun-backward-compatibility'
  echo "listening-port=${TURN_PORT:-3478}"
  if [ -n "${TURN_CERT_FILE:-}" ] && [ -n "${TURN_KEY_FILE:-}" ]; then
    echo "tls-listening-port=${TURN_TLS_PORT:-5349}"
    echo "cert=$TURN_CERT_FILE"
    echo "pkey=$TURN_KEY_FILE"
    echo 'no-tlsv1'
    echo 'no-tlsv1_1'
  else
    echo 'no-tls'
  fi
  # Browsers reach TURN over UDP, TCP and TLS; DTLS to the TURN server is unused by WebRTC.
  echo 'no-dtls'
  [ -z "${TURN_LISTEN_IP:-}" ] || echo "listening-ip=$TURN_LISTEN_IP"
  [ -z "${TURN_RELAY_IP:-}" ] || echo "relay-ip=$TURN_RELAY_IP"
  [ -z "${TURN_EXTERNAL_IP:-}" ] || echo "external-ip=$TURN_EXTERNAL_IP"
  echo "min-port=$min_port"
  echo "max-port=$max_port"

  # Who a relay may talk to: the SFU and nothing else.
  echo 'no-tcp-relay'
  echo 'no-multicast-peers'
  echo 'denied-peer-ip=0.0.0.0-255.255.255.255'
  echo 'denied-peer-ip=::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'
  for address in $(echo "$TURN_ALLOWED_PEER_IPS" | tr ',' ' '); do
    echo "allowed-peer-ip=$address"
  done

  # What one credential (one person: quotas count the name after the expiry) and the whole server may use.
  echo "user-quota=${TURN_USER_QUOTA:-24}"
  echo "total-quota=${TURN_TOTAL_QUOTA:-$((max_port - min_port + 1))}"
  echo "max-bps=${TURN_MAX_BPS:-2500000}"
  echo 'stale-nonce=600'
}

file=${TURN_CONFIG_FILE:-/tmp/huddle-turnserver.conf}
umask 077 # the file holds the secret
config >"$file"
exec turnserver -c "$file" "$@"
