package amf

import (
	"math"
	"testing"
	"time"
)

func TestObjectAccessors(t *testing.T) {
	o := Object{
		{"s", "str"}, {"f", 1.5}, {"i", int32(-2)}, {"n", 7}, {"b", true}, {"nil", nil}, {"s", "second"},
	}
	if v, ok := o.Get("nil"); !ok || v != nil {
		t.Errorf("Get(nil) = %v, %v", v, ok)
	}
	if _, ok := o.Get("missing"); ok {
		t.Error("Get(missing) found")
	}
	if s, ok := o.GetString("s"); !ok || s != "str" {
		t.Errorf("GetString(s) = %q, %v; want the first match", s, ok)
	}
	if _, ok := o.GetString("f"); ok {
		t.Error("GetString(f) accepted a number")
	}
	for key, want := range map[string]float64{"f": 1.5, "i": -2, "n": 7} {
		if got, ok := o.GetNumber(key); !ok || got != want {
			t.Errorf("GetNumber(%s) = %v, %v", key, got, ok)
		}
	}
	for _, key := range []string{"b", "s", "nil", "missing"} {
		if _, ok := o.GetNumber(key); ok {
			t.Errorf("GetNumber(%s) accepted a non-number", key)
		}
	}
	if b, ok := o.GetBool("b"); !ok || !b {
		t.Errorf("GetBool(b) = %v, %v", b, ok)
	}
	if _, ok := o.GetBool("f"); ok {
		t.Error("GetBool(f) accepted a number")
	}

	o.Set("f", 2.5)
	o.Set("new", "x")
	if got, _ := o.GetNumber("f"); got != 2.5 || len(o) != 8 || o[7].Key != "new" {
		t.Errorf("after Set: %v", o)
	}
	if !o.Delete("s") || len(o) != 6 {
		t.Errorf("Delete(s): %v", o)
	}
	if o.Delete("s") {
		t.Error("second Delete(s) found it")
	}
	var empty Object
	empty.Set("a", 1.0)
	assertEqualValue(t, Object{{"a", 1.0}}, empty)
}

func TestECMAArrayAccessors(t *testing.T) {
	var a ECMAArray
	a.Set("duration", 10.0)
	a.Set("stereo", true)
	a.Set("encoder", "Lavf")
	if d, ok := a.GetNumber("duration"); !ok || d != 10 {
		t.Errorf("duration = %v, %v", d, ok)
	}
	if s, ok := a.GetBool("stereo"); !ok || !s {
		t.Errorf("stereo = %v, %v", s, ok)
	}
	if e, ok := a.GetString("encoder"); !ok || e != "Lavf" {
		t.Errorf("encoder = %v, %v", e, ok)
	}
	if v, ok := a.Get("duration"); !ok || v != 10.0 {
		t.Errorf("Get = %v, %v", v, ok)
	}
	if !a.Delete("stereo") || len(a) != 2 {
		t.Errorf("Delete: %v", a)
	}
}

func TestDate(t *testing.T) {
	tm := time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC)
	d := NewDate(tm)
	if got := d.Time(); got.Sub(tm).Abs() > time.Microsecond {
		t.Errorf("Time() = %v, want %v", got, tm)
	}
	if got := NewDate(time.UnixMilli(-5)); got.Millis != -5 {
		t.Errorf("NewDate before 1970 = %v", got)
	}
	if got := (Date{Millis: -1.5}).Time(); !got.Equal(time.Unix(0, -1500000)) {
		t.Errorf("negative date = %v", got)
	}
	if got := (Date{Millis: math.NaN()}).Time(); !got.IsZero() {
		t.Errorf("NaN date = %v", got)
	}
	if got := (Date{Millis: math.Inf(1)}).Time(); !got.IsZero() {
		t.Errorf("infinite date = %v", got)
	}
}
