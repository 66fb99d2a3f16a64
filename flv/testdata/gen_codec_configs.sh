#!/bin/sh
# Regenerates the "config" fields of codec_configs.json: encodes two frames
# of testsrc2 with ffmpeg (libx264/libx265) into MP4 and prints the avcC or
# hvcC record as hex. The "want" fields were checked against ffprobe
# -show_streams (profile, level, width, height, pix_fmt) and use the SRS
# profile names.
#
#   SIZE=642x362 ./gen_codec_configs.sh h264_baseline_642x362 -c:v libx264 -profile:v baseline
#   SIZE=416x240 ./gen_codec_configs.sh h265_main10_416x240 -c:v libx265 -pix_fmt yuv420p10le
#
# Variants used: h264 baseline 642x362; main 176x144; high10 416x240
# (yuv420p10le); high422 350x286 (yuv422p); high444 200x120 (yuv444p);
# interlaced 1920x1080 (-flags +ildct+ilme -x264-params interlaced=1, 1
# frame); cqm=jvt 320x240 (scaling lists); baseline -level 1b 128x96;
# -level 5.1 1920x1080. h265 main 640x360, 642x362 (conformance window),
# 1920x1080; main10 416x240; rext yuv422p 322x182 and yuv444p 200x120;
# temporal-layers=1 320x240 (8 frames).
set -e
name=$1; shift
tmp=$(mktemp -d)
ffmpeg -v error -y -f lavfi -i "testsrc2=size=${SIZE:-320x240}:rate=25" -frames:v "${FRAMES:-2}" "$@" -an "$tmp/$name.mp4"
ffprobe -v error -show_streams -show_data "$tmp/$name.mp4" |
	awk '/^extradata=/{f=1;next} f&&/^[0-9a-f]+:/{print;next} {f=0}' | xxd -r | xxd -p | tr -d '\n'
echo
ffprobe -v error -select_streams v -show_entries stream=codec_name,profile,level,width,height,pix_fmt -of csv=p=0 "$tmp/$name.mp4" >&2
rm -r "$tmp"
