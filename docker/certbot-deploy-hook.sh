#!/bin/sh
# certbot deploy hook for Huddle's Docker Compose setup. Let's Encrypt's live/<domain>/ holds symlinks into
# ../../archive/, which dangle inside a container that mounts only live/<domain>, and its private key is readable
# by root alone, while the app runs as the image's `node` user (uid 1000). This hook copies the renewed
# certificate and key, as real files, into the directory docker/compose.yml mounts at /certs (TLS_DIR_ON_HOST),
# readable by uid/gid 1000 (the coturn container joins group 1000 to read them) and no one else, and replaces
# them by rename so a reader never sees half a file. The app notices new files by itself; coturn is told with
# SIGUSR2.
#
# Use: certbot certonly ... --deploy-hook /path/to/huddle/docker/certbot-deploy-hook.sh
#      (certbot runs it after the first issuance and after every renewal; for a certificate you already have,
#      run it once by hand: RENEWED_LINEAGE=/etc/letsencrypt/live/<domain> docker/certbot-deploy-hook.sh)
# Environment:
#   RENEWED_LINEAGE          set by certbot: the live/<domain> directory that was renewed
#   HUDDLE_CERT_DIR          where the copies go: /etc/huddle/certs (TLS_DIR_ON_HOST in .env)
#   HUDDLE_CERT_OWNER        owner of the copies: 1000:1000 (the image's node user)
#   HUDDLE_COTURN_CONTAINER  the coturn container to signal: huddle-coturn (empty: none)
set -eu

lineage=${RENEWED_LINEAGE:?'set RENEWED_LINEAGE to the live/<domain> directory (certbot sets it for deploy hooks)'}
dest=${HUDDLE_CERT_DIR:-/etc/huddle/certs}
owner=${HUDDLE_CERT_OWNER:-1000:1000}
coturn=${HUDDLE_COTURN_CONTAINER-huddle-coturn}

mkdir -p "$dest"
chmod 0755 "$dest"

# install_copy <source> <name> <mode>: a real file (symlinks followed), owned and moded, then renamed into place.
install_copy() {
  tmp="$dest/.$2.new"
  rm -f "$tmp"
  cp -L "$1" "$tmp"
  chown "$owner" "$tmp"
  chmod "$3" "$tmp"
  mv -f "$tmp" "$dest/$2"
}

umask 077
install_copy "$lineage/privkey.pem" privkey.pem 0640
install_copy "$lineage/fullchain.pem" fullchain.pem 0644
echo "certbot-deploy-hook: copied $lineage to $dest"

if [ -n "$coturn" ] && command -v docker >/dev/null 2>&1; then
  # coturn reloads its certificate on SIGUSR2 without dropping relays.
  docker kill --signal=USR2 "$coturn" >/dev/null 2>&1 ||
    echo "certbot-deploy-hook: could not signal the $coturn container; restart coturn to use the new certificate" >&2
fi
