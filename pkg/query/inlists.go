package query

import (
	"strconv"
	"strings"
)

// maxCombinationsCounted stops the product of a raw statement's IN lists from overflowing: it
// is far past any bound, so the message can say "more than".
const maxCombinationsCounted = 1 << 40

// inLists follows a raw statement's tokens and multiplies the lengths of its IN (...) lists:
// the partitions and row keys one statement asks Cassandra for (the builder splits its own;
// a raw statement runs as written, so it is bounded as a whole).
type inLists struct {
	state   int // 0 outside, 1 after IN, 2 inside its list
	depth   int
	commas  int
	items   bool // the list holds something
	product int64
	factors []string
}

func (l *inLists) feed(t Token) {
	if l.product == 0 {
		l.product = 1
	}
	switch l.state {
	case 1:
		if t.Kind == TokPunct && t.Text == "(" {
			l.state, l.depth, l.commas, l.items = 2, 1, 0, false
			return
		}
		l.state = 0 // IN ? or IN :name: a bound list, not in the text
	case 2:
		switch {
		case t.Kind == TokPunct && t.Text == "(":
			l.depth++
		case t.Kind == TokPunct && t.Text == ")":
			l.depth--
			if l.depth == 0 {
				n := 0
				if l.items {
					n = l.commas + 1
				}
				l.product = min(l.product*int64(max(n, 1)), maxCombinationsCounted)
				l.factors = append(l.factors, strconv.Itoa(n))
				l.state = 0
				return
			}
		case t.Kind == TokPunct && t.Text == "," && l.depth == 1:
			l.commas++
		}
		l.items = true
		return
	}
	if t.IsWord("IN") {
		l.state = 1
	}
}

// check refuses a statement whose IN lists multiply past MaxStatementCombinations.
func (l *inLists) check() error {
	if l.product <= MaxStatementCombinations {
		return nil
	}
	count := strconv.FormatInt(l.product, 10)
	if l.product >= maxCombinationsCounted {
		count = "more than " + count
	}
	return errorf("rawCql", "the IN lists of this statement multiply to %s combinations (%s); one statement may ask for at most %d, as Cassandra's in_select_cartesian_product guardrail would: use fewer values, or a builder query, which reads many partitions with bounded statements",
		count, strings.Join(l.factors, " x "), MaxStatementCombinations)
}
