package config

import "strings"

// envSettings lists the directives SRS 5+ lets environment variables set,
// as dotted paths. The variable is "SRS_" and the path in upper case with
// "_" for ".": vhost.play.mw_latency is SRS_VHOST_PLAY_MW_LATENCY. A path
// under "vhost." applies to every vhost. A trailing "*" marks a directive
// whose value is a space-separated list (listen endpoints, hook URLs);
// any other value is taken whole, spaces included.
//
// The list follows the getters of SRS's srs_app_config.cpp that are
// overridden by srs_getenv; the order is the order settings are applied.
var envSettings = []string{
	"listen*", "chunk_size", "max_connections", "pid", "daemon", "server_id",
	"work_dir", "asprocess", "utc_time", "pithy_print_ms", "in_docker",
	"ff_log_dir", "ff_log_level",
	"srs_log_tank", "srs_log_level", "srs_log_level_v2", "srs_log_file",
	"empty_ip_ok", "grace_start_wait", "grace_final_wait", "force_grace_quit",
	"disable_daemon_for_docker", "inotify_auto_reload", "auto_reload_for_docker",
	"tcmalloc_release_rate", "query_latest_version", "first_wait_for_qlv",

	"circuit_breaker.enabled", "circuit_breaker.high_threshold", "circuit_breaker.high_pulse",
	"circuit_breaker.critical_threshold", "circuit_breaker.critical_pulse",
	"circuit_breaker.dying_threshold", "circuit_breaker.dying_pulse",

	"exporter.enabled", "exporter.listen", "exporter.label", "exporter.tag",

	"heartbeat.enabled", "heartbeat.interval", "heartbeat.url", "heartbeat.device_id",
	"heartbeat.summaries", "heartbeat.ports",

	"http_api.enabled", "http_api.listen*", "http_api.crossdomain",
	"http_api.raw_api.enabled", "http_api.raw_api.allow_reload",
	"http_api.auth.enabled", "http_api.auth.username", "http_api.auth.password",
	"http_api.https.enabled", "http_api.https.listen*", "http_api.https.key", "http_api.https.cert",

	"http_server.enabled", "http_server.listen*", "http_server.dir", "http_server.crossdomain",
	"http_server.https.enabled", "http_server.https.listen*", "http_server.https.key", "http_server.https.cert",

	"rtmps.enabled", "rtmps.listen*", "rtmps.key", "rtmps.cert",

	"rtsp_server.enabled", "rtsp_server.listen*",

	"rtc_server.enabled", "rtc_server.listen*", "rtc_server.candidate", "rtc_server.protocol",
	"rtc_server.ip_family", "rtc_server.api_as_candidates", "rtc_server.resolve_api_domain",
	"rtc_server.keep_api_domain", "rtc_server.use_auto_detect_network_ip", "rtc_server.ecdsa",
	"rtc_server.encrypt", "rtc_server.reuseport", "rtc_server.merge_nalus",
	"rtc_server.tcp.enabled", "rtc_server.tcp.listen*",
	"rtc_server.private_tcp.enabled", "rtc_server.private_tcp.listen*",
	"rtc_server.black_hole.enabled", "rtc_server.black_hole.addr",

	"srt_server.enabled", "srt_server.listen*", "srt_server.maxbw", "srt_server.mss",
	"srt_server.tsbpdmode", "srt_server.latency", "srt_server.recvlatency", "srt_server.peerlatency",
	"srt_server.sei_filter", "srt_server.tlpktdrop", "srt_server.connect_timeout",
	"srt_server.peer_idle_timeout", "srt_server.sendbuf", "srt_server.recvbuf",
	"srt_server.payloadsize", "srt_server.passphrase", "srt_server.pbkeylen",
	"srt_server.default_app", "srt_server.default_streamid",

	"vhost.chunk_size", "vhost.min_latency", "vhost.tcp_nodelay", "vhost.in_ack_size", "vhost.out_ack_size",

	"vhost.play.gop_cache", "vhost.play.gop_cache_max_frames", "vhost.play.queue_length",
	"vhost.play.time_jitter", "vhost.play.mix_correct", "vhost.play.atc", "vhost.play.atc_auto",
	"vhost.play.mw_latency", "vhost.play.mw_msgs", "vhost.play.send_min_interval",
	"vhost.play.reduce_sequence_header",

	"vhost.publish.mr", "vhost.publish.mr_latency", "vhost.publish.firstpkt_timeout",
	"vhost.publish.normal_timeout", "vhost.publish.parse_sps", "vhost.publish.try_annexb_first",
	"vhost.publish.kickoff_for_idle",

	"vhost.forward.enabled", "vhost.forward.backend*",

	"vhost.http_hooks.enabled", "vhost.http_hooks.on_connect*", "vhost.http_hooks.on_close*",
	"vhost.http_hooks.on_publish*", "vhost.http_hooks.on_unpublish*", "vhost.http_hooks.on_play*",
	"vhost.http_hooks.on_stop*", "vhost.http_hooks.on_dvr*", "vhost.http_hooks.on_hls*",
	"vhost.http_hooks.on_hls_notify*",

	"vhost.http_static.enabled", "vhost.http_static.mount", "vhost.http_static.dir",

	"vhost.http_remux.enabled", "vhost.http_remux.mount", "vhost.http_remux.fast_cache",
	"vhost.http_remux.drop_if_not_match", "vhost.http_remux.has_audio",
	"vhost.http_remux.has_video", "vhost.http_remux.guess_has_av",

	"vhost.hls.enabled", "vhost.hls.hls_use_fmp4", "vhost.hls.hls_entry_prefix", "vhost.hls.hls_path",
	"vhost.hls.hls_m3u8_file", "vhost.hls.hls_ts_file", "vhost.hls.hls_fmp4_file",
	"vhost.hls.hls_init_file", "vhost.hls.hls_ts_floor", "vhost.hls.hls_fragment",
	"vhost.hls.hls_td_ratio", "vhost.hls.hls_aof_ratio", "vhost.hls.hls_window",
	"vhost.hls.hls_on_error", "vhost.hls.hls_nb_notify", "vhost.hls.hls_dts_directly",
	"vhost.hls.hls_ctx", "vhost.hls.hls_ts_ctx", "vhost.hls.hls_cleanup", "vhost.hls.hls_dispose",
	"vhost.hls.hls_wait_keyframe", "vhost.hls.hls_keys", "vhost.hls.hls_fragments_per_key",
	"vhost.hls.hls_key_file", "vhost.hls.hls_key_file_path", "vhost.hls.hls_key_url",
	"vhost.hls.hls_master_m3u8_path_relative", "vhost.hls.hls_recover",

	"vhost.hds.enabled", "vhost.hds.hds_path", "vhost.hds.hds_fragment", "vhost.hds.hds_window",

	"vhost.dash.enabled", "vhost.dash.dash_fragment", "vhost.dash.dash_update_period",
	"vhost.dash.dash_timeshift", "vhost.dash.dash_path", "vhost.dash.dash_mpd_file",
	"vhost.dash.dash_window_size", "vhost.dash.dash_cleanup", "vhost.dash.dash_dispose",

	"vhost.dvr.enabled", "vhost.dvr.dvr_path", "vhost.dvr.dvr_plan", "vhost.dvr.dvr_duration",
	"vhost.dvr.dvr_wait_keyframe", "vhost.dvr.time_jitter",

	"vhost.rtc.enabled", "vhost.rtc.nack", "vhost.rtc.nack_no_copy", "vhost.rtc.twcc",
	"vhost.rtc.stun_timeout", "vhost.rtc.stun_strict_check", "vhost.rtc.dtls_role",
	"vhost.rtc.dtls_version", "vhost.rtc.drop_for_pt", "vhost.rtc.rtmp_to_rtc",
	"vhost.rtc.keep_bframe", "vhost.rtc.keep_avc_nalu_sei", "vhost.rtc.opus_bitrate",
	"vhost.rtc.rtc_to_rtmp", "vhost.rtc.pli_for_rtmp", "vhost.rtc.aac_bitrate",
	"vhost.rtc.init_rate_from_sdp", "vhost.rtc.keep_original_ssrc",

	"vhost.srt.enabled", "vhost.srt.srt_to_rtmp",

	"vhost.rtsp.enabled", "vhost.rtsp.rtmp_to_rtsp",
}

// envAlternates maps variables of envSettings to another name SRS also
// reads for the same setting; when both are set, the first name wins.
var envAlternates = map[string]string{
	"SRS_SRS_LOG_TANK":          "SRS_LOG_TANK",
	"SRS_SRS_LOG_LEVEL":         "SRS_LOG_LEVEL",
	"SRS_SRS_LOG_LEVEL_V2":      "SRS_LOG_LEVEL_V2",
	"SRS_SRS_LOG_FILE":          "SRS_LOG_FILE",
	"SRS_VHOST_SRT_SRT_TO_RTMP": "SRS_VHOST_SRT_TO_RTMP",
}

// envNotSettings are SRS variables that are not settings of the file.
var envNotSettings = []string{"SRS_ENV_ONLY", "SRS_CONFIG_FILE"}

// envSetting is one entry of envSettings, parsed.
type envSetting struct {
	name string   // SRS_...
	path []string // directive names from the root; "vhost" means every vhost
	list bool     // the value is a space-separated list of arguments
}

var envTable = func() []envSetting {
	table := make([]envSetting, 0, len(envSettings))
	for _, s := range envSettings {
		path, list := strings.CutSuffix(s, "*")
		table = append(table, envSetting{
			name: "SRS_" + strings.ToUpper(strings.ReplaceAll(path, ".", "_")),
			path: strings.Split(path, "."),
			list: list,
		})
	}
	return table
}()

// FromEnv builds a configuration from SRS_* variables alone, as "srs -e"
// does: environ holds "KEY=value" strings, as from os.Environ. Settings
// under vhost apply to __defaultVhost__. As with SRS, the process does not
// daemonize unless SRS_DAEMON says so. Variables that start with SRS_ but
// name no setting are reported in Config.Warnings.
func FromEnv(environ []string) (*Config, error) {
	root := &Directive{Children: []*Directive{{Name: "vhost", Args: []string{DefaultVhost}, File: "env"}}}
	if v, _ := lookupEnv(environ, "SRS_DAEMON"); v == "" {
		root.Children = append(root.Children, &Directive{Name: "daemon", Args: []string{"off"}, File: "env"})
	}
	warnings := ApplyEnv(root, environ)
	c, err := FromDirective(root, "")
	if err != nil {
		return nil, err
	}
	c.Warnings = append(warnings, c.Warnings...)
	return c, nil
}

// ApplyEnv overrides the directives of root, a tree returned by Parse, with
// the SRS_* variables of environ, as SRS lets the environment override its
// configuration file. Settings under vhost apply to every vhost (to a new
// __defaultVhost__ if root has none). A changed directive's File names the
// variable, for instance "env SRS_LISTEN", and its Line is 0. Like
// FromDirective, ApplyEnv first rewrites legacy forms in root, so that none
// of them can override the environment afterwards. It returns a warning for
// each SRS_ variable that names no setting.
//
// To load a file the way SRS does, with the environment overriding it:
//
//	root, err := config.ParseFile(path)
//	...
//	warnings := config.ApplyEnv(root, os.Environ())
//	c, err := config.FromDirective(root, path)
func ApplyEnv(root *Directive, environ []string) []string {
	transformLegacy(root) // so that no legacy directive overrides the environment later
	known := map[string]bool{}
	for _, s := range envTable {
		known[s.name] = true
	}
	for _, alt := range envAlternates {
		known[alt] = true
	}
	for _, name := range envNotSettings {
		known[name] = true
	}
	var warnings []string
	seen := map[string]bool{}
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, "SRS_") || seen[name] {
			continue
		}
		seen[name] = true
		if !known[name] {
			warnings = append(warnings, "config: env "+name+": unknown variable, ignored")
		}
	}

	for _, s := range envTable {
		name := s.name
		value, _ := lookupEnv(environ, name)
		if alt := envAlternates[name]; value == "" && alt != "" {
			name = alt
			value, _ = lookupEnv(environ, alt)
		}
		if value == "" { // SRS ignores empty variables
			continue
		}
		args := []string{value}
		if s.list {
			args = strings.Fields(value)
		}
		setPath(root, s.path, args, "env "+name)
		if s.name == "SRS_VHOST_CHUNK_SIZE" { // SRS reads it for the global chunk size too
			setPath(root, []string{"chunk_size"}, args, "env "+name)
		}
	}
	return warnings
}

// setPath sets the arguments of the directive at path under root, creating
// the blocks on the way, and marks it as coming from where.
func setPath(root *Directive, path []string, args []string, where string) {
	at := &Directive{File: where}
	parents := []*Directive{root}
	if path[0] == "vhost" {
		parents = root.All("vhost")
		if len(parents) == 0 {
			v := &Directive{Name: "vhost", Args: []string{DefaultVhost}, File: where}
			root.Children = append(root.Children, v)
			parents = []*Directive{v}
		}
		path = path[1:]
	}
	for _, d := range parents {
		for _, name := range path[:len(path)-1] {
			d = getOrCreate(d, name, at)
		}
		setChild(d, path[len(path)-1], args, at)
	}
}

// lookupEnv returns the value of the first name=value entry of environ, as
// os.Getenv does.
func lookupEnv(environ []string, name string) (string, bool) {
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name {
			return v, true
		}
	}
	return "", false
}
