package config

import (
	"fmt"
	"strconv"
)

// knownDirectives lists, in configuration syntax, the directives SRS 5, 6 and
// 7 accept once legacy forms are rewritten (see transform.go), and SRS 3's
// kafka block. A directive written with a block lists the children SRS
// checks; a directive written without one is either simple or a block whose
// children SRS does not check (for example the ffmpeg options under
// vfilter), so nothing under it is reported.
const knownDirectives = `
# Global settings.
listen; chunk_size; pid; server_id; daemon; work_dir; asprocess;
max_connections; utc_time; pithy_print_ms; in_docker; is_full;
ff_log_dir; ff_log_level;
srs_log_tank; srs_log_level; srs_log_level_v2; srs_log_file;
empty_ip_ok; grace_start_wait; grace_final_wait; force_grace_quit;
disable_daemon_for_docker; inotify_auto_reload; auto_reload_for_docker;
tcmalloc_release_rate; query_latest_version; first_wait_for_qlv;

# Blocks SRS does not look into.
threads; circuit_breaker; tencentcloud_cls; tencentcloud_apm;

rtmp { listen; chunk_size; }
rtmps { enabled; listen; key; cert; }
heartbeat { enabled; interval; url; device_id; summaries; ports; }
stats { enabled; network; disk; }
kafka { enabled; brokers; topic; }
exporter { enabled; listen; label; tag; }
http_api {
    enabled; listen; crossdomain; https;
    raw_api { enabled; allow_reload; allow_query; allow_update; }
    auth { enabled; username; password; }
}
http_server { enabled; listen; dir; crossdomain; https; }
rtc_server {
    enabled; listen; dir; candidate; ecdsa; tcp; private_tcp; encrypt;
    reuseport; merge_nalus; black_hole; protocol; ip_family;
    api_as_candidates; resolve_api_domain; keep_api_domain;
    use_auto_detect_network_ip;
}
srt_server {
    enabled; listen; maxbw; mss; latency; recvlatency; peerlatency;
    connect_timeout; peer_idle_timeout; sendbuf; recvbuf; payloadsize;
    default_app; default_streamid; sei_filter; mix_correct; tlpktdrop;
    tsbpdmode; passphrase; pbkeylen; default_mode;
}
rtsp_server { enabled; listen; }
# cascade's own: the Redis stream directory of a fleet (internal/directory).
stream_directory { enabled; redis; ttl; prefix; advertise; }
stream_caster {
    enabled; caster; output; listen; rtp_port_min; rtp_port_max;
    sip { enabled; listen; timeout; reinvite; candidate; }
}

vhost {
    enabled; chunk_size; min_latency; tcp_nodelay; in_ack_size;
    out_ack_size; hds;
    bandcheck { enabled; key; interval; limit_kbps; }
    play {
        time_jitter; mix_correct; atc; atc_auto; mw_latency; mw_msgs;
        gop_cache; gop_cache_max_frames; queue_length; send_min_interval;
        reduce_sequence_header;
    }
    publish {
        mr; mr_latency; firstpkt_timeout; normal_timeout; parse_sps;
        try_annexb_first; kickoff_for_idle;
    }
    cluster {
        mode; origin; token_traverse; vhost; debug_srs_upnode; coworkers;
        origin_cluster; protocol; follow_client;
    }
    refer { enabled; all; publish; play; }
    security { enabled; allow; deny; }
    forward { enabled; destination; backend; }
    http_hooks {
        enabled; on_connect; on_close; on_publish; on_unpublish; on_play;
        on_stop; on_dvr; on_hls; on_hls_notify;
    }
    http_static { enabled; mount; dir; }
    http_remux {
        enabled; mount; fast_cache; drop_if_not_match; has_audio;
        has_video; guess_has_av;
    }
    hls {
        enabled; hls_entry_prefix; hls_path; hls_fragment; hls_window;
        hls_on_error; hls_storage; hls_mount; hls_td_ratio; hls_aof_ratio;
        hls_acodec; hls_vcodec; hls_m3u8_file; hls_ts_file; hls_ts_floor;
        hls_cleanup; hls_nb_notify; hls_wait_keyframe; hls_dispose;
        hls_keys; hls_fragments_per_key; hls_key_file; hls_key_file_path;
        hls_key_url; hls_dts_directly; hls_ctx; hls_ts_ctx; hls_use_fmp4;
        hls_fmp4_file; hls_init_file; hls_recover;
        hls_master_m3u8_path_relative;
    }
    dash {
        enabled; dash_fragment; dash_update_period; dash_timeshift;
        dash_path; dash_mpd_file; dash_window_size; dash_dispose;
        dash_cleanup;
    }
    dvr {
        enabled; dvr_apply; dvr_path; dvr_plan; dvr_duration;
        dvr_wait_keyframe; time_jitter;
    }
    exec { enabled; publish; }
    snapshot { enabled; interval; }
    ingest { enabled; input; ffmpeg; engine; }
    transcode {
        enabled; ffmpeg;
        engine {
            enabled; iformat; perfile; vfilter; vcodec; vbitrate; vfps;
            vwidth; vheight; vthreads; vprofile; vpreset; vparams; acodec;
            abitrate; asample_rate; achannels; aparams; oformat; output;
        }
    }
    rtc {
        enabled; nack; nack_no_copy; twcc; stun_timeout; stun_strict_check;
        dtls_role; dtls_version; drop_for_pt; rtmp_to_rtc; keep_bframe;
        keep_avc_nalu_sei; opus_bitrate; rtc_to_rtmp; pli_for_rtmp;
        aac_bitrate; init_rate_from_sdp; keep_original_ssrc; bframe; aac;
    }
    srt { enabled; srt_to_rtmp; }
    rtsp { enabled; rtmp_to_rtsp; }
    # cascade's own: streams pulled from RTSP cameras on demand (internal/edge).
    rtsp_pull { enabled; url; idle_timeout; timeout; transport; }
}
`

// A schema maps the names allowed in a block to the schema of their own
// children; a nil schema means the children are not checked.
type schema map[string]schema

var knownSchema = mustSchema(knownDirectives)

func mustSchema(text string) schema {
	root, err := Parse("known directives", []byte(text))
	if err != nil {
		panic(err)
	}
	return schemaOf(root)
}

func schemaOf(d *Directive) schema {
	if len(d.Children) == 0 {
		return nil
	}
	s := make(schema, len(d.Children))
	for _, c := range d.Children {
		s[c.Name] = schemaOf(c)
	}
	return s
}

// unknownDirectives returns a warning for each directive under root that is
// not in knownSchema.
func unknownDirectives(root *Directive) []string {
	var warnings []string
	var walk func(d *Directive, s schema, where string)
	walk = func(d *Directive, s schema, where string) {
		for _, c := range d.Children {
			sub, ok := s[c.Name]
			if !ok {
				msg := "unknown directive " + strconv.Quote(c.Name)
				if where != "" {
					msg += " in " + where
				}
				warnings = append(warnings, warning(c, "%s", msg))
				continue
			}
			if sub != nil {
				path := c.Name
				if where != "" {
					path = where + "." + c.Name
				}
				walk(c, sub, path)
			}
		}
	}
	walk(root, knownSchema, "")
	return warnings
}

// warning formats a warning about directive d.
func warning(d *Directive, format string, args ...any) string {
	return "config: " + joinPosition(d.pos(), fmt.Sprintf(format, args...))
}
