package config

import (
	"fmt"
	"reflect"
	"regexp"
	"strings"

	"github.com/pelletier/go-toml/v2/unstable"
)

// shape is what a key must hold.
type shape int

const (
	shapeString  shape = iota + 1
	shapeInt           // a TOML integer
	shapeStrings       // an array of strings
	shapeTable         // [table] or an inline table
	shapeTables        // [[array of tables]] or an array of inline tables
)

// accepts reports whether a value of kind k has shape s.
func (s shape) accepts(k unstable.Kind) bool {
	switch s {
	case shapeString:
		return k == unstable.String
	case shapeInt:
		return k == unstable.Integer
	case shapeStrings:
		return k == unstable.Array
	case shapeTable:
		return k == unstable.Table || k == unstable.InlineTable
	case shapeTables:
		return k == unstable.ArrayTable || k == unstable.Array
	}
	return false
}

// want says what s must be, for messages about key.
func (s shape) want(key string) string {
	switch s {
	case shapeString:
		return "must be a string"
	case shapeInt:
		return "must be an integer"
	case shapeStrings:
		return "must be an array of strings"
	case shapeTable:
		return "must be a table"
	}
	return "must be an array of tables: write [[" + key + "]]"
}

// knownShapes maps every known key path, with "[]" for any array index, to
// its shape. It is read from the toml tags of fileConfig.
var knownShapes = shapesOf(reflect.TypeFor[fileConfig]())

// shapesOf lists the keys of struct type t and of the structs below it.
func shapesOf(t reflect.Type) map[string]shape {
	m := map[string]shape{}
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for f := range t.Fields() {
			name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
			path := join(prefix, name)
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			switch {
			case ft.Kind() == reflect.Struct:
				m[path] = shapeTable
				walk(ft, path)
			case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
				m[path], m[path+"[]"] = shapeTables, shapeTable
				walk(ft.Elem(), path+"[]")
			case ft.Kind() == reflect.Slice:
				m[path], m[path+"[]"] = shapeStrings, shapeString
			case ft.Kind() == reflect.Int64:
				m[path] = shapeInt
			default:
				m[path] = shapeString
			}
		}
	}
	walk(t, "")
	return m
}

// arrayIndex matches the 1-based indexes in a key path.
var arrayIndex = regexp.MustCompile(`\[[0-9]+\]`)

// generic replaces the indexes of a path by "[]": "division[2].id" → "division[].id".
func generic(path string) string {
	return arrayIndex.ReplaceAllString(path, "[]")
}

// checkShapes reports every unknown key and every value of the wrong kind,
// all at once (the decoder would stop at the first).
func checkShapes(x *docIndex, p *problems) {
	for _, d := range x.dups {
		p.addAt(d.line, d.path, fmt.Sprintf("defined twice (first on line %d)", d.first))
	}
	for _, path := range x.order {
		e := x.entries[path]
		s, known := knownShapes[generic(path)]
		switch {
		case known && !s.accepts(e.kind):
			p.addAt(e.line, path, s.want(generic(path)))
		case !known && underKnownTable(x, path):
			p.addAt(e.line, path, "unknown key"+suggest(path))
		}
	}
}

// underKnownTable reports whether path's parent is the top level or a known
// table that is one, so that only the outermost of unknown nested keys is
// reported, and nothing inside a value already reported as the wrong kind.
func underKnownTable(x *docIndex, path string) bool {
	parent := parentPath(path)
	if parent == "" {
		return true
	}
	s := knownShapes[generic(parent)]
	return s == shapeTable && s.accepts(x.entries[parent].kind)
}

// suggest returns " (did you mean x?)" for the known sibling of path closest
// to it in spelling, or "".
func suggest(path string) string {
	parent, name := generic(parentPath(path)), lastKey(path)
	best, bestDist := "", 3
	for known := range knownShapes {
		if generic(parentPath(known)) != parent || strings.HasSuffix(known, "[]") {
			continue
		}
		if d := editDistance(name, lastKey(known)); d < bestDist || (d == bestDist && lastKey(known) < best) {
			best, bestDist = lastKey(known), d
		}
	}
	if best == "" {
		return ""
	}
	return " (did you mean " + best + "?)"
}

// lastKey returns the last dotted component of a path.
func lastKey(path string) string {
	return path[strings.LastIndexByte(path, '.')+1:]
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
