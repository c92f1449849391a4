package cassandra

import (
	"context"
	"fmt"
	"strings"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
)

// ColumnInfo describes one column of a result.
type ColumnInfo struct {
	Name string
	// Type is the CQL type name, e.g. "bigint" or "map<text, int>".
	Type string
	// TypeInfo lets decoders pick a Go destination without guessing.
	TypeInfo gocql.TypeInfo
}

// Rows streams a result page by page: only the current page is held in memory.
type Rows struct {
	ctx     context.Context
	iter    *gocql.Iter
	scanner gocql.Scanner
	cols    []ColumnInfo
	tuples  bool
	scanErr error
}

// QueryOptions tune one statement.
type QueryOptions struct {
	// PageSize overrides the data source's page size when > 0.
	PageSize int
}

// Query runs one statement with bound values. It does not check what the statement is:
// callers pass only SELECTs vetted by pkg/query.
func (c *Client) Query(ctx context.Context, cql string, args []any, opts QueryOptions) *Rows {
	q := c.session.Query(cql, args...).Idempotent(true)
	if opts.PageSize > 0 {
		q = q.PageSize(opts.PageSize)
	}
	iter := q.IterContext(ctx)
	r := &Rows{ctx: ctx, iter: iter}
	for _, ci := range iter.Columns() {
		r.cols = append(r.cols, ColumnInfo{Name: ci.Name, Type: TypeName(ci.TypeInfo), TypeInfo: ci.TypeInfo})
	}
	for _, c := range r.cols {
		if c.TypeInfo != nil && c.TypeInfo.Type() == gocql.TypeTuple {
			r.tuples = true
		}
	}
	if !r.tuples {
		r.scanner = iter.Scanner()
		// The scanner moves on to each next page's iterator; the first one links to every page
		// fetched after it, so keeping it would hold the whole result in memory.
		r.iter = nil
	}
	return r
}

// Columns describes the result's columns.
func (r *Rows) Columns() []ColumnInfo { return r.cols }

// Next reads the next row into dest (one pointer per column, one per element for tuples;
// **T gets nil for null), fetching the next page when needed. It returns false at the end or
// on an error, which Close reports.
func (r *Rows) Next(dest ...any) (ok bool) {
	// The driver decodes while scanning and trusts what the server sends (a collection's
	// element count, a tuple element's length): malformed data can panic inside it. That
	// becomes this result's error, which Close reports, rather than a crash.
	defer func() {
		if p := recover(); p != nil {
			r.scanErr = fmt.Errorf("decode a row of the result: the driver failed on a malformed value: %v", p)
			ok = false
		}
	}()
	if r.scanErr != nil {
		return false
	}
	if r.tuples {
		// The driver's Scanner misaligns columns after a tuple; Iter.Scan does not.
		return r.iter.Scan(dest...)
	}
	if !r.scanner.Next() {
		return false
	}
	if err := r.scanner.Scan(dest...); err != nil {
		r.scanErr = err
		return false
	}
	return true
}

// Close releases the iterator and reports any error met while paging, classified.
func (r *Rows) Close() error {
	var err error
	if r.tuples {
		err = r.iter.Close()
	} else {
		err = r.scanner.Err()
	}
	if err == nil {
		err = r.scanErr
	}
	if err != nil {
		return classifyQueryError(r.ctx, err)
	}
	return nil
}

// TypeName spells a driver type the way CQL does.
func TypeName(ti gocql.TypeInfo) string {
	if ti == nil {
		return "unknown"
	}
	switch t := ti.(type) {
	case gocql.CollectionType:
		switch t.Type() {
		case gocql.TypeMap:
			return fmt.Sprintf("map<%s, %s>", TypeName(t.Key), TypeName(t.Elem))
		case gocql.TypeSet:
			return fmt.Sprintf("set<%s>", TypeName(t.Elem))
		default:
			return fmt.Sprintf("list<%s>", TypeName(t.Elem))
		}
	case gocql.TupleTypeInfo:
		parts := make([]string, len(t.Elems))
		for i, e := range t.Elems {
			parts[i] = TypeName(e)
		}
		return "tuple<" + strings.Join(parts, ", ") + ">"
	case gocql.UDTTypeInfo:
		return t.Name
	case gocql.VectorType:
		return fmt.Sprintf("vector<%s, %d>", TypeName(t.SubType), t.Dimensions)
	}
	switch ti.Type() {
	case gocql.TypeAscii:
		return "ascii"
	case gocql.TypeBigInt:
		return "bigint"
	case gocql.TypeBlob:
		return "blob"
	case gocql.TypeBoolean:
		return "boolean"
	case gocql.TypeCounter:
		return "counter"
	case gocql.TypeDecimal:
		return "decimal"
	case gocql.TypeDouble:
		return "double"
	case gocql.TypeFloat:
		return "float"
	case gocql.TypeInt:
		return "int"
	case gocql.TypeText:
		return "text"
	case gocql.TypeTimestamp:
		return "timestamp"
	case gocql.TypeUUID:
		return "uuid"
	case gocql.TypeVarchar:
		return "varchar"
	case gocql.TypeVarint:
		return "varint"
	case gocql.TypeTimeUUID:
		return "timeuuid"
	case gocql.TypeInet:
		return "inet"
	case gocql.TypeDate:
		return "date"
	case gocql.TypeTime:
		return "time"
	case gocql.TypeSmallInt:
		return "smallint"
	case gocql.TypeTinyInt:
		return "tinyint"
	case gocql.TypeDuration:
		return "duration"
	}
	return "custom"
}
