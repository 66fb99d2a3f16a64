package testpeer

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const (
	media720p      = "h264_aac_720p25.flv"
	mediaOnlyAudio = "aac_only.flv"
	mediaOnlyVideo = "h264_only.flv"
)

// fatalTB records Fatalf instead of ending the test, to check failure paths.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Helper() {}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
}

func near(got, want, tolerance float64) bool {
	return math.Abs(got-want) <= tolerance
}

func testContext(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func TestRequire(t *testing.T) {
	Require(t, "ffmpeg", "ffprobe", "rtmpdump")

	fake := &fatalTB{TB: t}
	Require(fake, "ffmpeg", "cascade-no-such-tool")
	if !strings.Contains(fake.msg, "cascade-no-such-tool") || strings.Contains(fake.msg, "ffmpeg,") {
		t.Errorf("Require message = %q, want only the missing tool named", fake.msg)
	}
	if !strings.Contains(fake.msg, "make deps") {
		t.Errorf("Require message = %q, want install advice", fake.msg)
	}
}

func TestMissingToolsNamesPackages(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	msg := missingTools([]string{"ffmpeg", "ffprobe", "gst-launch-1.0", "rtmpdump"})
	want := "apt-get install ffmpeg gstreamer1.0-tools rtmpdump"
	if !strings.Contains(msg, want) {
		t.Errorf("missingTools = %q, want it to contain %q", msg, want)
	}
}

func TestMedia(t *testing.T) {
	path := Media(t, media720p)
	if !filepath.IsAbs(path) {
		t.Errorf("Media = %q, want an absolute path", path)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("Media path: %v", err)
	}
}

func TestMediaEnv(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "clip.flv"), []byte("FLV"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(MediaEnv, dir)
	if got, want := Media(t, "clip.flv"), filepath.Join(dir, "clip.flv"); got != want {
		t.Errorf("Media = %q, want %q", got, want)
	}
}

func TestMediaMissing(t *testing.T) {
	fake := &fatalTB{TB: t}
	Media(fake, "no-such-clip.flv")
	if !strings.Contains(fake.msg, "no-such-clip.flv") {
		t.Errorf("Media message = %q, want the file named", fake.msg)
	}
}

func TestProbe(t *testing.T) {
	t.Parallel()
	r, err := Probe(testContext(t, 20*time.Second), Media(t, media720p))
	if err != nil {
		t.Fatal(err)
	}
	if r.Format.Name != "flv" || !near(r.Format.Duration, 10.08, 0.05) {
		t.Errorf("format = %q, %.3fs; want flv, 10.08s", r.Format.Name, r.Format.Duration)
	}
	v := r.Video()
	if v == nil {
		t.Fatalf("no video stream in %+v", r.Streams)
	}
	if v.CodecName != "h264" || v.Profile != "High" || v.Width != 1280 || v.Height != 720 || v.FrameRate() != 25 {
		t.Errorf("video = %s %s %dx%d %v fps; want h264 High 1280x720 25 fps",
			v.CodecName, v.Profile, v.Width, v.Height, v.FrameRate())
	}
	a := r.Audio()
	if a == nil {
		t.Fatalf("no audio stream in %+v", r.Streams)
	}
	if a.CodecName != "aac" || a.SampleRate != 44100 || a.Channels != 2 {
		t.Errorf("audio = %s %d Hz %d ch; want aac 44100 Hz 2 ch", a.CodecName, a.SampleRate, a.Channels)
	}
}

func TestProbeAudioOnly(t *testing.T) {
	t.Parallel()
	r, err := Probe(context.Background(), Media(t, mediaOnlyAudio))
	if err != nil {
		t.Fatal(err)
	}
	if r.Video() != nil {
		t.Errorf("Video() = %+v, want nil", r.Video())
	}
	if a := r.Audio(); a == nil || a.CodecName != "aac" || a.SampleRate != 48000 || a.Channels != 1 {
		t.Errorf("Audio() = %+v, want aac 48000 Hz mono", a)
	}
}

func TestProbeMissingFile(t *testing.T) {
	t.Parallel()
	_, err := Probe(context.Background(), filepath.Join(t.TempDir(), "missing.flv"))
	if err == nil || !strings.Contains(err.Error(), "No such file") {
		t.Errorf("Probe of a missing file: err = %v, want ffprobe's message", err)
	}
}

// silentListener accepts RTMP clients on 127.0.0.1:0 and never answers;
// closing it, or if hangUp, each connection ends at once.
func silentListener(t *testing.T, hangUp bool) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() {
		close(done)
		ln.Close()
	})
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			if hangUp {
				conn.Close()
				continue
			}
			go func() {
				<-done
				conn.Close()
			}()
		}
	}()
	return "rtmp://" + ln.Addr().String() + "/live/test"
}

func TestProbeBoundedByContext(t *testing.T) {
	t.Parallel()
	url := silentListener(t, false)
	start := time.Now()
	_, err := Probe(testContext(t, 2*time.Second), url)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Probe of a silent server: err = %v, want deadline exceeded", err)
	}
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("Probe took %v after a 2s deadline", elapsed)
	}
}

func TestPackets(t *testing.T) {
	t.Parallel()
	packets, err := Packets(testContext(t, 20*time.Second), Media(t, media720p))
	if err != nil {
		t.Fatal(err)
	}
	var video, audio, keyframes int
	first := -1
	for i, p := range packets {
		switch p.CodecType {
		case "video":
			if first < 0 {
				first = i
			}
			video++
			if p.Keyframe() {
				keyframes++
			}
		case "audio":
			audio++
		}
	}
	if first < 0 || !packets[first].Keyframe() {
		t.Fatalf("first video packet is not a keyframe: %+v", packets[:min(len(packets), 3)])
	}
	if p := packets[first]; p.Size == 0 || p.DurationTime != 0.04 {
		t.Errorf("first video packet = %+v, want a size and 0.04s duration", p)
	}
	// 10 s of pictures at 25 fps with a keyframe every 2 s.
	if video != 250 || keyframes != 5 || audio == 0 {
		t.Errorf("got %d video packets (%d keyframes), %d audio; want 250 (5), some", video, keyframes, audio)
	}
}

func TestPublishToFile(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "out.flv")
	p := Publish(t, Media(t, media720p), out, PublishOptions{
		Duration:  time.Second,
		ExtraArgs: []string{"-metadata", "title=cascade"},
	})
	if err := p.Wait(); err != nil {
		t.Fatal(err)
	}
	r, err := Probe(context.Background(), out)
	if err != nil {
		t.Fatal(err)
	}
	if r.Video() == nil || r.Audio() == nil || r.Video().CodecName != "h264" || r.Audio().CodecName != "aac" {
		t.Errorf("published streams = %+v, want h264 and aac", r.Streams)
	}
	// -c copy cuts on packets, and B-frames shift video timestamps by 80 ms.
	if !near(r.Format.Duration, 1, 0.3) {
		t.Errorf("published duration = %.3fs, want about 1s", r.Format.Duration)
	}
	if r.Format.Tags["title"] != "cascade" {
		t.Errorf("published tags = %v, want title=cascade", r.Format.Tags)
	}
}

func TestPublishLoopStop(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "loop.flv")
	p := Publish(t, Media(t, mediaOnlyVideo), out, PublishOptions{Loop: true})
	select {
	case <-p.Done():
		t.Fatalf("looping publish ended early: %v", p.Wait())
	case <-time.After(1500 * time.Millisecond):
	}
	p.Stop()
	if err := p.Wait(); err != nil {
		t.Errorf("Wait after Stop = %v, want nil", err)
	}
	p.Stop() // Stop is idempotent.
	r, err := Probe(context.Background(), out)
	if err != nil {
		t.Fatal(err)
	}
	// -re sends in real time: about 1.5 s (plus ffmpeg's start-up) was written.
	if d := r.Format.Duration; d < 0.8 || d > 3 {
		t.Errorf("stopped publish wrote %.3fs, want about 1.5s", d)
	}
}

func TestPublishFailure(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := Publish(t, filepath.Join(dir, "missing.flv"), filepath.Join(dir, "out.flv"), PublishOptions{})
	err := p.Wait()
	if err == nil || !strings.Contains(err.Error(), "No such file") {
		t.Errorf("Wait = %v, want ffmpeg's error quoted", err)
	}
	if !strings.Contains(p.Output(), "No such file") {
		t.Errorf("Output = %q, want ffmpeg's error", p.Output())
	}
}

func TestRecord(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "rec.flv")
	path, err := Record(testContext(t, 20*time.Second), Media(t, mediaOnlyVideo), out, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if path != out {
		t.Errorf("Record = %q, want %q", path, out)
	}
	r, err := Probe(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if v := r.Video(); v == nil || v.Width != 640 || !near(r.Format.Duration, 2, 0.3) {
		t.Errorf("recorded %+v, %.3fs; want 640x360 video, about 2s", r.Video(), r.Format.Duration)
	}
}

func TestRecordServerHangsUp(t *testing.T) {
	t.Parallel()
	url := silentListener(t, true)
	start := time.Now()
	_, err := Record(testContext(t, 15*time.Second), url, filepath.Join(t.TempDir(), "rec.flv"), time.Second)
	if err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Record from a server that hangs up: err = %v, want ffmpeg's failure", err)
	}
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("Record took %v to fail", elapsed)
	}
}

func TestRtmpDumpServerHangsUp(t *testing.T) {
	t.Parallel()
	url := silentListener(t, true)
	start := time.Now()
	err := RtmpDump(testContext(t, 15*time.Second), url, filepath.Join(t.TempDir(), "dump.flv"), 2*time.Second)
	if err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("RtmpDump from a server that hangs up: err = %v, want rtmpdump's failure", err)
	}
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("RtmpDump took %v to fail", elapsed)
	}
}

func TestRtmpDumpSilentServer(t *testing.T) {
	t.Parallel()
	url := silentListener(t, false)
	start := time.Now()
	err := RtmpDump(context.Background(), url, filepath.Join(t.TempDir(), "dump.flv"), time.Second)
	if err == nil {
		t.Error("RtmpDump from a silent server succeeded")
	}
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("RtmpDump took %v for a 1s dump", elapsed)
	}
}

func TestTailBuffer(t *testing.T) {
	b := newTailBuffer(8)
	for _, s := range []string{"abc", "defgh", "ij", "0123456789"} {
		if _, err := b.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	if got := b.String(); got != "23456789" {
		t.Errorf("tail = %q, want %q", got, "23456789")
	}
	b = newTailBuffer(8)
	b.Write([]byte("abcdef"))
	b.Write([]byte("ghij"))
	if got := b.String(); got != "cdefghij" {
		t.Errorf("tail = %q, want %q", got, "cdefghij")
	}
	if got := lastLines("a\nb\nc\n", 2); got != "b\nc" {
		t.Errorf("lastLines = %q, want %q", got, "b\nc")
	}
	if got := lastLines("a\nb", 5); got != "a\nb" {
		t.Errorf("lastLines = %q, want %q", got, "a\nb")
	}
}
