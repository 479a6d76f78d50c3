#!/bin/sh
# acl.sh SECRETS_DIR [PREFIX] - print the Redis ACL file (users.acl) for ibpipe on stdout.
#
# The one place the Redis users and their rights are written down; the host install, the
# compose file and the ACL test (tests/test_acl.c) all generate their users.acl with it.
# Passwords come from files, first line, and enter the ACL file only as SHA-256 hashes:
#
#   SECRETS_DIR/redis.password           user ibpipe: the writer (what ibpipe run publishes)
#   SECRETS_DIR/redis-reader.password    user reader: consumers, dashboards, `ibpipe status`
#   SECRETS_DIR/redis-operator.password  user operator: everything reader may, plus P:control
#   SECRETS_DIR/redis-trader.password    user trader (optional): other services sending orders
#                                        through P:stream:commands (ibpipe run --commands)
#   SECRETS_DIR/redis-admin.password     user admin (optional): all commands, for a human at
#                                        the console (CONFIG, INFO, SHUTDOWN); no program gets it
#   SECRETS_DIR/redis-replication.password  user replication (optional, with replicas): what a
#                                        replica's masteruser needs (PSYNC, REPLCONF, PING)
#   SECRETS_DIR/redis-sentinel.password  user sentinel (optional, under Sentinel): what the
#                                        sentinels' auth-user needs to monitor and fail over
#
# The users (PREFIX, default "ibpipe", matches every instance prefix that starts with it, so
# ibpipe.paper and ibpipe.live share one Redis and one set of users):
#   default   off: a client that does not AUTH can do nothing.
#   ibpipe    writes exactly the keys the publisher writes (README "Redis keys") and the
#             P:events channel; reads P:control (the kill switch) but cannot write it; reads
#             P:stream:commands as the consumer group "ibpipe" (XREADGROUP, XACK, XGROUP CREATE)
#             and writes the answers' hash P:commands:results.
#   reader    +@read and SUBSCRIBE on PREFIX* keys and channels; no writes, no @dangerous
#             (KEYS, FLUSHALL, CONFIG, DEBUG, MONITOR, ...).
#   operator  reader's rights plus SET/DEL on P:control, i.e. halt / resume.  Nobody else
#             may write P:control.
#   trader    reader's rights plus XADD to P:stream:commands and nothing else: it asks ibpipe
#             to trade, ibpipe checks every command (gates, risk limits, kill switch); it
#             cannot write what ibpipe publishes, read the commands as the group, acknowledge,
#             delete or trim them (XADD with MAXLEN is the one way left to trim: keep senders
#             to plain XADD), nor touch P:control.
# Every user may ask ROLE: with redis_sentinels, each client checks that the node a sentinel
# named is the master before it reads or writes.
# Redis >= 6.2 (%R~ / %RW~ key permissions need 7.0; bookworm ships 7.0).
set -eu

dir=${1:?usage: acl.sh SECRETS_DIR [PREFIX]}
p=${2:-ibpipe}
case "$p" in *[!A-Za-z0-9_.-]* | "")
	echo "acl.sh: prefix '$p' must be [A-Za-z0-9_.-]+" >&2
	exit 2
	;;
esac

# sha256 of the first line, without its line end: the bytes ibpipe and redis-cli send.
hash() {
	if [ ! -r "$1" ]; then
		echo "acl.sh: cannot read $1" >&2
		exit 1
	fi
	pw=$(head -n 1 "$1" | tr -d '\r\n')
	if [ -z "$pw" ]; then
		echo "acl.sh: $1 is empty: every Redis user needs a password" >&2
		exit 1
	fi
	printf '%s' "$pw" | sha256sum | cut -d ' ' -f 1
}
writer=$(hash "$dir/redis.password")
reader=$(hash "$dir/redis-reader.password")
operator=$(hash "$dir/redis-operator.password")

# Key patterns are globs on the whole key; P is "$p*".
read_cmds="-@all +@read -@dangerous +ping +select +subscribe +unsubscribe +psubscribe +punsubscribe +role"
printf '%s\n' "user default off resetkeys resetchannels -@all"
printf '%s' "user ibpipe on #$writer resetkeys resetchannels"
for k in sync sync:detail accounts 'account:*' 'positions:*' 'pnl:*' 'quote:*' 'book:*' 'order:*' 'stream:*' health \
	'commands:results'; do
	printf ' %%RW~%s*:%s' "$p" "$k"
done
printf ' %%R~%s*:control &%s*:events %s' "$p" "$p" "$read_cmds"
printf ' +multi +exec +discard +set +del +unlink +expire +sadd +hset +xadd +publish'
printf ' +xreadgroup +xack +xgroup|create\n'
printf '%s\n' "user reader on #$reader resetkeys resetchannels %R~$p* &$p* $read_cmds"
printf '%s\n' "user operator on #$operator resetkeys resetchannels %R~$p* %RW~$p*:control &$p* $read_cmds +set +del"
if [ -r "$dir/redis-replication.password" ]; then
	printf '%s\n' "user replication on #$(hash "$dir/redis-replication.password") resetkeys resetchannels -@all +psync +replconf +ping"
fi
# the rights the Redis Sentinel documentation lists for a sentinel's auth-user
if [ -r "$dir/redis-sentinel.password" ]; then
	printf '%s' "user sentinel on #$(hash "$dir/redis-sentinel.password") resetkeys allchannels -@all +multi +exec"
	printf '%s\n' " +slaveof +replicaof +ping +subscribe +config|rewrite +role +publish +info +client|setname +client|kill +script|kill"
fi
if [ -r "$dir/redis-trader.password" ]; then
	printf '%s\n' "user trader on #$(hash "$dir/redis-trader.password") resetkeys resetchannels %R~$p* %W~$p*:stream:commands &$p*:events $read_cmds +xadd"
fi
if [ -r "$dir/redis-admin.password" ]; then
	printf '%s\n' "user admin on #$(hash "$dir/redis-admin.password") ~* &* +@all"
fi
