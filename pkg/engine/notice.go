package engine

import (
	"fmt"
	"sort"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// noticeKind says what a notice is about. The kinds are also the order of the notices on the
// frame, and each has its severity, so neither is read from the text.
type noticeKind int

const (
	// noticeBuckets: how the buckets of a bucketed table were read, and which were empty.
	noticeBuckets noticeKind = iota
	// noticeRead: how the partitions were read (fan-out, bounded IN statements, pieces).
	noticeRead
	// noticeNothing: the filters select no rows, so nothing was sent.
	noticeNothing
	// noticeBins: the bin width, the bins, the rows read and what the bin cache gave.
	noticeBins
	// noticeRollups: which rollups answered, or why none could be read.
	noticeRollups
	// noticeLatest: an instant query's latest values.
	noticeLatest
	// noticeTruncated: a row limit or the data source's max rows cut the answer.
	noticeTruncated
	// noticeEmpty: no rows, and what the table holds instead (explain.go).
	noticeEmpty
)

func (k noticeKind) severity() data.NoticeSeverity {
	switch k {
	case noticeTruncated, noticeEmpty:
		return data.NoticeSeverityWarning
	}
	return data.NoticeSeverityInfo
}

type notice struct {
	kind noticeKind
	text string
}

// notices are a query's notices as the engine finds them: the planner's reading, the scan's
// account of what ran, the binning's widths. frame turns them into the frame's notices, the
// one place where they become text with a severity.
type notices []notice

func (ns *notices) add(kind noticeKind, format string, args ...any) {
	*ns = append(*ns, notice{kind: kind, text: fmt.Sprintf(format, args...)})
}

func (ns notices) frame() []data.Notice {
	sorted := append(notices(nil), ns...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].kind < sorted[j].kind })
	var out []data.Notice
	for _, n := range sorted {
		out = append(out, data.Notice{Severity: n.kind.severity(), Text: n.text})
	}
	return out
}
