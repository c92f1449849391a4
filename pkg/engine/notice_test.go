package engine

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// Notices become frame notices in one place: ordered by kind whatever order they were found
// in, with the kind's severity, whatever their text says.
func TestNoticesOrderAndSeverityByKind(t *testing.T) {
	var ns notices
	ns.add(noticeEmpty, "No rows: the time column %q holds values like %.3g", "t", 1.7e12)
	ns.add(noticeBins, "Bin width %s (%d bins), %d rows read.", "1m", 60, 0)
	ns.add(noticeTruncated, "Stopped at the row limit of %d", 10)
	ns.add(noticeBuckets, "Read 2 day buckets")
	ns.add(noticeRead, "Truncated-looking text that is only information")
	want := []data.Notice{
		{Severity: data.NoticeSeverityInfo, Text: "Read 2 day buckets"},
		{Severity: data.NoticeSeverityInfo, Text: "Truncated-looking text that is only information"},
		{Severity: data.NoticeSeverityInfo, Text: "Bin width 1m (60 bins), 0 rows read."},
		{Severity: data.NoticeSeverityWarning, Text: "Stopped at the row limit of 10"},
		{Severity: data.NoticeSeverityWarning, Text: `No rows: the time column "t" holds values like 1.7e+12`},
	}
	if diff := cmp.Diff(want, ns.frame()); diff != "" {
		t.Errorf("frame notices (-want +got):\n%s", diff)
	}
}
