package binning

import (
	"fmt"
	"strings"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// FillMode says what a bin reports for an output that has no value there.
type FillMode string

// Fill modes offered in the query editor.
const (
	FillNull     FillMode = "null"     // null: a gap in the graph (default, also "")
	FillPrevious FillMode = "previous" // the output's previous value in the series; null before the first
	FillZero     FillMode = "zero"     // 0
	FillValue    FillMode = "value"    // Fill.Value
	FillNone     FillMode = "none"     // omit bins in which no output has a value
)

// FillModes returns every valid fill mode.
func FillModes() []FillMode {
	return []FillMode{FillNull, FillPrevious, FillZero, FillValue, FillNone}
}

// Fill is a fill mode and, for FillValue, its value.
type Fill struct {
	Mode  FillMode
	Value float64
}

// ParseFill validates a fill mode (case and surrounding space ignored; ""
// means null). Mode "value" requires value; other modes ignore it.
func ParseFill(mode string, value *float64) (Fill, error) {
	m := FillMode(strings.ToLower(strings.TrimSpace(mode)))
	if m == "" {
		m = FillNull
	}
	f := Fill{Mode: m}
	switch m {
	case FillNull, FillPrevious, FillZero, FillNone:
	case FillValue:
		if value == nil {
			return Fill{}, fmt.Errorf("fill %q needs a fill value", mode)
		}
		f.Value = *value
	default:
		return Fill{}, fmt.Errorf("unknown fill %q: valid fills are null, previous, zero, value, none", mode)
	}
	return f, nil
}

func (f Fill) normalize() (Fill, error) {
	switch f.Mode {
	case "":
		return Fill{Mode: FillNull}, nil
	case FillNull, FillPrevious, FillZero, FillNone:
		return Fill{Mode: f.Mode}, nil
	case FillValue:
		return f, nil
	}
	return Fill{}, fmt.Errorf("unknown fill %q: valid fills are null, previous, zero, value, none", f.Mode)
}

// SDK returns the plugin SDK's equivalent of f, as used by Grafana's own
// resampling: zero becomes FillModeValue with 0; none has no equivalent
// (it removes rows instead of filling them) and returns nil.
func (f Fill) SDK() *data.FillMissing {
	switch f.Mode {
	case "", FillNull:
		return &data.FillMissing{Mode: data.FillModeNull}
	case FillPrevious:
		return &data.FillMissing{Mode: data.FillModePrevious}
	case FillZero:
		return &data.FillMissing{Mode: data.FillModeValue, Value: 0}
	case FillValue:
		return &data.FillMissing{Mode: data.FillModeValue, Value: f.Value}
	}
	return nil
}

// FillFromSDK converts the SDK's fill setting; nil means the default, null.
func FillFromSDK(fm *data.FillMissing) (Fill, error) {
	if fm == nil {
		return Fill{Mode: FillNull}, nil
	}
	switch fm.Mode {
	case data.FillModeNull:
		return Fill{Mode: FillNull}, nil
	case data.FillModePrevious:
		return Fill{Mode: FillPrevious}, nil
	case data.FillModeValue:
		return Fill{Mode: FillValue, Value: fm.Value}, nil
	}
	return Fill{}, fmt.Errorf("unknown fill mode %d", fm.Mode)
}
