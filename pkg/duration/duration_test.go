package duration

import (
	"errors"
	"testing"
	"time"
)

func TestFormat(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0s", 5 * time.Second: "5s", 30 * time.Second: "30s", 5 * time.Minute: "5m", 10 * time.Minute: "10m",
		90 * time.Minute: "1h30m", 2 * time.Hour: "2h", 500 * time.Millisecond: "500ms", Day: "1d", 3 * Day: "3d",
		Week: "1w", 36 * time.Hour: "36h", -5 * time.Minute: "-5m", 1500 * time.Millisecond: "1.5s",
	} {
		if got := Format(d); got != want {
			t.Errorf("Format(%v) = %q, want %q", d, got, want)
		}
		if back, err := Parse(Format(d)); err != nil || back != d {
			t.Errorf("Parse(Format(%v)) = %v, %v", d, back, err)
		}
	}
}

func TestErrorKinds(t *testing.T) {
	for in, want := range map[string]error{
		"": ErrSyntax, "5": ErrSyntax, "1.5d": ErrSyntax, "1M": ErrCalendar, "2y": ErrCalendar,
		"99999999999999w": ErrTooLarge, "99999999999999999999d": ErrTooLarge,
	} {
		if _, err := Parse(in); !errors.Is(err, want) {
			t.Errorf("Parse(%q) = %v, want %v", in, err, want)
		}
	}
	for in, want := range map[string]error{"0s": ErrTooShort, "-1m": ErrTooShort, "500us": ErrTooShort, "1.5ms": ErrNotWholeMs} {
		if _, err := ParseInterval(in); !errors.Is(err, want) {
			t.Errorf("ParseInterval(%q) = %v, want %v", in, err, want)
		}
	}
	if _, err := ParseSetting("1e400"); !errors.Is(err, ErrTooLarge) {
		t.Errorf("ParseSetting(1e400) = %v, want too large", err)
	}
}
