package bench

import (
	"bytes"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// chartReport is a small run: players ramp up, one fails, the server's CPU
// follows the players.
func chartReport(withServer bool) *Report {
	rep := &Report{URL: "rtmp://127.0.0.1:1935/live/livestream", Protocol: ProtoRTMP, Started: "2026-01-02T03:04:05Z"}
	rep.Config.Players, rep.Config.Duration, rep.Config.Warmup = 100, 10, 4
	rep.Window.Start, rep.Window.End, rep.Window.Seconds = 4, 10, 6
	for i := 1; i <= 10; i++ {
		n := min(i*25, 100)
		s := Sample{At: float64(i), Started: n, Playing: n, Receiving: n, MediaKbps: float64(n) * 1130, ToolCPU: float64(n) / 10}
		if i >= 6 {
			s.Playing, s.Receiving, s.Failed = 99, 99, 1
		}
		if withServer {
			s.ServerCPU, s.ServerRSS = float64(n)/4, 20<<20
		}
		rep.Timeline = append(rep.Timeline, s)
	}
	// The last sample, when the window closes, comes right after the
	// ticker's: the chart leaves it out.
	last := rep.Timeline[len(rep.Timeline)-1]
	last.At += 0.01
	last.MediaKbps, last.ToolCPU, last.ServerCPU = 0, 0, 0
	rep.Timeline = append(rep.Timeline, last)
	if withServer {
		rep.Server = &ServerReport{PID: 42}
	}
	return rep
}

func TestWriteSVG(t *testing.T) {
	for _, tt := range []struct {
		name       string
		withServer bool
		lines      int
	}{
		{"chart.svg", true, 6},
		{"chart-no-server.svg", false, 5},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			require.NoError(t, chartReport(tt.withServer).WriteSVG(&b))
			// Well-formed XML, one polyline per series.
			dec := xml.NewDecoder(bytes.NewReader(b.Bytes()))
			polylines := 0
			for {
				tok, err := dec.Token()
				if err != nil {
					require.ErrorContains(t, err, "EOF")
					break
				}
				if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "polyline" {
					polylines++
					for _, a := range se.Attr {
						if a.Name.Local == "points" {
							assert.Len(t, strings.Fields(a.Value), 10, "one point per sample")
						}
					}
				}
			}
			assert.Equal(t, tt.lines, polylines)
			golden := filepath.Join("testdata", tt.name)
			if *update {
				require.NoError(t, os.WriteFile(golden, b.Bytes(), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err)
			assert.Equal(t, string(want), b.String(), "run go test ./bench -run TestWriteSVG -update after a deliberate change")
		})
	}
}

func TestNiceStep(t *testing.T) {
	for raw, want := range map[float64]float64{0: 1, 0.3: 0.5, 1: 1, 1.2: 2, 3: 5, 7: 10, 26: 50, 250: 500, 1130: 2000} {
		assert.InDelta(t, want, niceStep(raw), 1e-9, "%v", raw)
	}
}
