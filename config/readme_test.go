package config

import (
	"reflect"
	"strings"
	"testing"

	"userdir/internal/readme"
)

// The README documents every key of the file, and its complete example
// loads.
func TestReadmeDocumentsEveryKey(t *testing.T) {
	text, example := readme.Text(t), readme.Block(t, "config")
	if _, err := Parse("/etc/userdir/userdir.toml", []byte(example)); err != nil {
		t.Fatalf("the README's example configuration does not load:\n%v", err)
	}
	for _, key := range tomlKeys(reflect.TypeOf(fileConfig{}), "") {
		short := key[strings.LastIndex(key, ".")+1:]
		if !strings.Contains(text, "`"+key+"`") && !strings.Contains(text, "`"+short+"`") {
			t.Errorf("README.md does not document the key %s", key)
		}
		if !strings.Contains(example, short+" =") {
			t.Errorf("the README's example configuration lacks %s", key)
		}
	}
}

// tomlKeys lists the dotted keys of a decoded file type.
func tomlKeys(t reflect.Type, prefix string) []string {
	var keys []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if name == "" {
			continue
		}
		ft := f.Type
		for ft.Kind() == reflect.Pointer || ft.Kind() == reflect.Slice {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct {
			keys = append(keys, tomlKeys(ft, prefix+name+".")...)
			continue
		}
		keys = append(keys, prefix+name)
	}
	return keys
}
