#!/usr/bin/env bash
# install-test-deps.sh installs the external programs that cascade's test
# suite drives as real peers: ffmpeg/ffprobe, rtmpdump, GStreamer with its
# plugin sets, yt-dlp, redis-server, curl, kcat (a Kafka client), and Chromium with Node.js for the
# browser tests (whose npm packages, hls.js and playwright-core, it installs
# in internal/browser from the npm registry, beside the web console's hls.js
# and mpegts.js in internal/console).
#
# make is installed too, since the test suite runs through it.
#
# It is idempotent: every program (and every GStreamer plugin set) is checked
# first, and a machine that has them all does nothing, as any user. Missing
# pieces are installed from Debian's apt repositories (Debian 12), which needs
# root. Run it as root on a fresh machine, or let `make test` run it.
set -euo pipefail

log() { printf 'install-test-deps: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Programs the tests run, each with the Debian package that ships it.
binaries=(
	"ffmpeg ffmpeg"
	"ffprobe ffmpeg"
	"rtmpdump rtmpdump"
	"gst-launch-1.0 gstreamer1.0-tools"
	"gst-inspect-1.0 gstreamer1.0-tools"
	"yt-dlp yt-dlp"
	"redis-server redis-server"
	"redis-cli redis-tools"
	"curl curl"
	"ip iproute2"
	"kcat kcat"
	"make make"
	"chromium chromium"
	"node nodejs"
	"npm npm"
)

# Files the tests read, each with the Debian package that ships it.
files=(
	"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf fonts-dejavu-core" # ffmpeg drawtext
)

# GStreamer plugin sets, each checked by one element that it provides.
plugins=(
	"audiotestsrc gstreamer1.0-plugins-base"
	"flvdemux gstreamer1.0-plugins-good"
	"h265parse gstreamer1.0-plugins-bad"
	"x264enc gstreamer1.0-plugins-ugly"
	"avdec_h264 gstreamer1.0-libav"
)

command -v go >/dev/null 2>&1 ||
	die "go is not on PATH (expected at /usr/local/go/bin); install Go first"

missing=()
add_missing() {
	local pkg
	for pkg in "${missing[@]}"; do
		[[ "$pkg" == "$1" ]] && return 0
	done
	missing+=("$1")
}

check() {
	missing=()
	local entry bin elem pkg file
	for entry in "${binaries[@]}"; do
		read -r bin pkg <<<"$entry"
		command -v "$bin" >/dev/null 2>&1 || add_missing "$pkg"
	done
	for entry in "${files[@]}"; do
		read -r file pkg <<<"$entry"
		[[ -e "$file" ]] || add_missing "$pkg"
	done
	if command -v gst-inspect-1.0 >/dev/null 2>&1; then
		for entry in "${plugins[@]}"; do
			read -r elem pkg <<<"$entry"
			gst-inspect-1.0 --exists "$elem" >/dev/null 2>&1 || add_missing "$pkg"
		done
	else
		for entry in "${plugins[@]}"; do
			read -r _ pkg <<<"$entry"
			add_missing "$pkg"
		done
	fi
}

# npm_packages installs the npm packages pinned by package-lock.json files:
# the browser tests' (hls.js, playwright-core, in internal/browser) and the
# web console's (hls.js, mpegts.js, in internal/console, whose committed
# copies its tests compare), each when missing.
npm_packages() {
	local root dir
	root="$(cd "$(dirname "$0")/.." && pwd)"
	for dir in "$root/internal/browser" "$root/internal/console"; do
		if npm ls --prefix "$dir" --all >/dev/null 2>&1 && [[ -d "$dir/node_modules" ]]; then
			continue
		fi
		log "installing npm packages in $dir"
		npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error >&2
	done
}

check
if ((${#missing[@]} == 0)); then
	npm_packages
	log "all test tools present"
	exit 0
fi

log "missing: ${missing[*]}"
if [[ "$(id -u)" -ne 0 ]]; then
	die "installing needs root; run as root: scripts/install-test-deps.sh (or: apt-get install ${missing[*]})"
fi
command -v apt-get >/dev/null 2>&1 ||
	die "apt-get not found; install these packages by hand: ${missing[*]}"

export DEBIAN_FRONTEND=noninteractive
# Wait for another apt/dpkg run (for example a parallel install) instead of failing.
apt_opts=(-o DPkg::Lock::Timeout=600 -o Acquire::Retries=3)
apt-get "${apt_opts[@]}" update -qq
apt-get "${apt_opts[@]}" install -y -qq --no-install-recommends "${missing[@]}"

check
if ((${#missing[@]} != 0)); then
	die "still missing after apt-get install: ${missing[*]}"
fi
npm_packages
log "installed all test tools"
