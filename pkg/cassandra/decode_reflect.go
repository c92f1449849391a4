package cassandra

import (
	"fmt"
	"reflect"
)

// reflectJSONable walks typed collections the driver builds (e.g. []int32, map[string]float64,
// map[gocql.UUID]string) so their elements get the same JSON treatment as top-level values.
func reflectJSONable(v any) any {
	if v == nil {
		return nil
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		if rv.Kind() == reflect.Slice && rv.IsNil() {
			return nil
		}
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = jsonable(rv.Index(i).Interface())
		}
		return out
	case reflect.Map:
		if rv.IsNil() {
			return nil
		}
		out := make(map[string]any, rv.Len())
		iter := rv.MapRange()
		for iter.Next() {
			k := jsonable(iter.Key().Interface())
			out[fmt.Sprint(k)] = jsonable(iter.Value().Interface())
		}
		return out
	case reflect.Pointer:
		if rv.IsNil() {
			return nil
		}
		return jsonable(rv.Elem().Interface())
	}
	return v
}
