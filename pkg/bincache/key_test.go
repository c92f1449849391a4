package bincache

import (
	"crypto/sha256"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A key is the SHA-256 of every part after its length as 8 little-endian bytes: written out
// here byte by byte, so a change of how NewKey writes the prefix cannot change the keys (and
// what a data source's cache holds) unnoticed.
func TestNewKeyBytes(t *testing.T) {
	for _, tt := range []struct {
		parts []string
		bytes []byte
	}{
		{nil, nil},
		{[]string{""}, []byte{0, 0, 0, 0, 0, 0, 0, 0}},
		{[]string{"ab", "c"}, []byte{2, 0, 0, 0, 0, 0, 0, 0, 'a', 'b', 1, 0, 0, 0, 0, 0, 0, 0, 'c'}},
		{[]string{strings.Repeat("x", 258)}, append([]byte{2, 1, 0, 0, 0, 0, 0, 0}, strings.Repeat("x", 258)...)},
	} {
		if got, want := NewKey(tt.parts...), Key(sha256.Sum256(tt.bytes)); got != want {
			t.Errorf("NewKey(%q) = %x, want %x", tt.parts, got, want)
		}
	}
	if NewKey("ab", "c") == NewKey("a", "bc") {
		t.Error(`("ab", "c") and ("a", "bc") share a key`)
	}
}

// gosec's G115: an integer conversion that can overflow (to a narrower type, or between signed
// and unsigned) needs a "#nosec G115" comment with its reason on its line, as the README asks.
// This checks the package's code the way G115 does.
func TestNoUnexplainedIntegerConversions(t *testing.T) {
	fset := token.NewFileSet()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	// The standard library is read from source; this module's packages are left empty (what
	// uses them is not typed, and not an integer), which keeps the check to a second.
	std := importer.ForCompiler(fset, "source", nil)
	info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}}
	conf := types.Config{
		Importer: importerFunc(func(path string) (*types.Package, error) {
			if strings.HasPrefix(path, "github.com/metricsserver/") {
				p := types.NewPackage(path, filepath.Base(path))
				p.MarkComplete()
				return p, nil
			}
			return std.Import(path)
		}),
		Error: func(error) {}, // the names from the empty packages
	}
	_, _ = conf.Check("bincache", fset, files, info)
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) != 1 {
				return true
			}
			fn, ok := info.Types[call.Fun]
			if !ok || !fn.IsType() {
				return true
			}
			arg, ok := info.Types[call.Args[0]]
			if !ok || arg.Value != nil { // a constant that fits, or the compiler refuses it
				return true
			}
			to, from := integer(fn.Type), integer(arg.Type)
			if to == nil || from == nil || !mayOverflow(from, to) {
				return true
			}
			pos := fset.Position(call.Pos())
			if !nosec(t, pos) {
				t.Errorf("%s: %s converted to %s can overflow (gosec G115): avoid the conversion, or give the reason in a #nosec G115 comment", pos, arg.Type, fn.Type)
			}
			return true
		})
	}
}

func integer(t types.Type) *types.Basic {
	b, ok := t.Underlying().(*types.Basic)
	if !ok || b.Info()&types.IsInteger == 0 {
		return nil
	}
	return b
}

// mayOverflow says whether every value of from fits in to, on 64-bit platforms.
func mayOverflow(from, to *types.Basic) bool {
	size := func(b *types.Basic) int64 {
		switch b.Kind() {
		case types.Int, types.Uint, types.Uintptr:
			return 8
		}
		return types.SizesFor("gc", "amd64").Sizeof(b)
	}
	unsigned := func(b *types.Basic) bool { return b.Info()&types.IsUnsigned != 0 }
	switch {
	case unsigned(from) == unsigned(to):
		return size(to) < size(from)
	case unsigned(from): // unsigned to signed needs a bigger type
		return size(to) <= size(from)
	}
	return true // signed to unsigned: negative values
}

func nosec(t *testing.T, pos token.Position) bool {
	b, err := os.ReadFile(pos.Filename)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	return pos.Line-1 < len(lines) && strings.Contains(lines[pos.Line-1], "#nosec G115")
}

type importerFunc func(path string) (*types.Package, error)

func (f importerFunc) Import(path string) (*types.Package, error) { return f(path) }
