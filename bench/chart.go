package bench

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
)

// chartSeries is one line of a chart panel.
type chartSeries struct {
	label  string
	color  string
	dashed bool // drawn dashed, so that a line it covers shows through
	value  func(Sample) float64
}

// chartPanel is one of the chart's stacked panels, sharing the time axis.
type chartPanel struct {
	title  string
	unit   string
	series []chartSeries
}

// Chart layout, in SVG user units.
const (
	chartWidth   = 960
	chartLeft    = 64 // room for the value axis
	chartRight   = 16
	chartTop     = 80
	panelHeight  = 150
	panelGap     = 46
	chartBottom  = 40
	chartYTicks  = 4
	chartXTarget = 10 // about this many time ticks
)

// WriteSVG draws the run's timeline as an SVG chart: players (playing,
// receiving, failed), CPU (server and load tool, percent of one core) and
// the players' aggregate media bitrate over time, with the steady window
// shaded. It is self-contained (no scripts, no external fonts).
func (rep *Report) WriteSVG(w io.Writer) error {
	panels := []chartPanel{
		{"Players", "", []chartSeries{
			{"playing", "#2563eb", false, func(s Sample) float64 { return float64(s.Playing) }},
			{"receiving", "#16a34a", true, func(s Sample) float64 { return float64(s.Receiving) }},
			{"failed", "#dc2626", false, func(s Sample) float64 { return float64(s.Failed) }},
		}},
		{"CPU", "% of a core", []chartSeries{
			{"server", "#9333ea", false, func(s Sample) float64 { return s.ServerCPU }},
			{"load tool", "#d97706", false, func(s Sample) float64 { return s.ToolCPU }},
		}},
		{"Aggregate media bitrate", "Mbit/s", []chartSeries{
			{"players", "#0891b2", false, func(s Sample) float64 { return s.MediaKbps / 1000 }},
		}},
	}
	if rep.Server == nil {
		panels[1].series = panels[1].series[1:] // no server was sampled
	}
	timeline := chartTimeline(rep.Timeline)
	height := chartTop + len(panels)*(panelHeight+panelGap) - panelGap + chartBottom
	plotW := float64(chartWidth - chartLeft - chartRight)
	tMax := rep.Config.Duration
	for _, s := range timeline {
		tMax = math.Max(tMax, s.At)
	}
	if tMax <= 0 {
		tMax = 1
	}
	x := func(t float64) float64 { return chartLeft + t/tMax*plotW }

	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n",
		chartWidth, height, chartWidth, height)
	p(`<rect width="100%%" height="100%%" fill="#ffffff"/>` + "\n")
	p(`<text x="%d" y="22" font-size="15" font-weight="bold">%s</text>`+"\n", chartLeft, xmlText(
		fmt.Sprintf("cascade-bench: %d players, %s, %s", rep.Config.Players, rep.Protocol, rep.URL)))
	p(`<text x="%d" y="40" fill="#6b7280">%s</text>`+"\n", chartLeft, xmlText(
		fmt.Sprintf("started %s; steady window %.1fs to %.1fs (shaded)", rep.Started, rep.Window.Start, rep.Window.End)))

	step := niceStep(tMax / chartXTarget)
	for i, pn := range panels {
		top := float64(chartTop + i*(panelHeight+panelGap))
		bottom := top + panelHeight
		vMax := 0.0
		for _, s := range timeline {
			for _, ser := range pn.series {
				vMax = math.Max(vMax, ser.value(s))
			}
		}
		vStep := niceStep(vMax / chartYTicks)
		vTop := vStep * math.Ceil(vMax/vStep)
		if vTop <= 0 {
			vTop = 1
		}
		y := func(v float64) float64 { return bottom - v/vTop*panelHeight }

		// Title and legend.
		title := pn.title
		if pn.unit != "" {
			title += " (" + pn.unit + ")"
		}
		p(`<text x="%d" y="%.1f" font-weight="bold">%s</text>`+"\n", chartLeft, top-8, xmlText(title))
		lx := chartLeft + 12 + 7*len(title)
		for _, ser := range pn.series {
			p(`<rect x="%d" y="%.1f" width="14" height="3" fill="%s"/><text x="%d" y="%.1f">%s</text>`+"\n",
				lx, top-12, ser.color, lx+18, top-8, xmlText(ser.label))
			lx += 30 + 7*len(ser.label)
		}
		// Steady window, grid and axes.
		if rep.Window.End > rep.Window.Start {
			p(`<rect x="%.1f" y="%.1f" width="%.1f" height="%d" fill="#f1f5f9"/>`+"\n",
				x(rep.Window.Start), top, x(rep.Window.End)-x(rep.Window.Start), panelHeight)
		}
		for v := 0.0; v <= vTop+vStep/2; v += vStep {
			p(`<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#e5e7eb"/><text x="%d" y="%.1f" text-anchor="end" fill="#6b7280">%s</text>`+"\n",
				chartLeft, y(v), chartWidth-chartRight, y(v), chartLeft-6, y(v)+4, formatTick(v))
		}
		for t := 0.0; t <= tMax+step/2; t += step {
			p(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#9ca3af"/>`, x(t), bottom, x(t), bottom+4)
			p(`<text x="%.1f" y="%.1f" text-anchor="middle" fill="#6b7280">%ss</text>`+"\n", x(t), bottom+16, formatTick(t))
		}
		p(`<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#9ca3af"/>`+"\n", chartLeft, bottom, chartWidth-chartRight, bottom)
		// Lines.
		for _, ser := range pn.series {
			if len(timeline) == 0 {
				continue
			}
			dash := ""
			if ser.dashed {
				dash = ` stroke-dasharray="6 4"`
			}
			p(`<polyline fill="none" stroke="%s" stroke-width="1.8"%s stroke-linejoin="round" points="`, ser.color, dash)
			for j, s := range timeline {
				if j > 0 {
					b.WriteByte(' ')
				}
				p("%.1f,%.1f", x(s.At), y(ser.value(s)))
			}
			p(`"/>` + "\n")
		}
	}
	p("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// chartTimeline leaves out samples taken much sooner than the usual
// interval after the one before (the run's last sample, taken when the
// window closes): their rates over a sliver of time are noise.
func chartTimeline(samples []Sample) []Sample {
	if len(samples) < 3 {
		return samples
	}
	gaps := make([]float64, 0, len(samples)-1)
	for i := 1; i < len(samples); i++ {
		gaps = append(gaps, samples[i].At-samples[i-1].At)
	}
	slices.Sort(gaps)
	minGap := gaps[len(gaps)/2] / 2
	out := []Sample{samples[0]}
	for _, s := range samples[1:] {
		if s.At-out[len(out)-1].At >= minGap {
			out = append(out, s)
		}
	}
	return out
}

// niceStep rounds a raw step up to 1, 2 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	if raw <= 0 || math.IsNaN(raw) || math.IsInf(raw, 0) {
		return 1
	}
	pow := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if raw <= m*pow {
			return m * pow
		}
	}
	return 10 * pow
}

func formatTick(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.2f", v), "0"), ".")
}

// xmlText escapes s for SVG text content.
func xmlText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}
