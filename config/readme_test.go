package config

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// The README documents every key of the file, and its complete example
// loads.
func TestReadmeDocumentsEveryKey(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	block := regexp.MustCompile("(?s)<!-- readme-test: config -->\n```toml\n(.*?)```").FindStringSubmatch(readme)
	if block == nil {
		t.Fatal("README.md has no readme-test config block")
	}
	if _, err := Parse("/etc/userdir/userdir.toml", []byte(block[1])); err != nil {
		t.Fatalf("the README's example configuration does not load:\n%v", err)
	}
	for _, key := range tomlKeys(reflect.TypeOf(fileConfig{}), "") {
		short := key[strings.LastIndex(key, ".")+1:]
		if !strings.Contains(readme, "`"+key+"`") && !strings.Contains(readme, "`"+short+"`") {
			t.Errorf("README.md does not document the key %s", key)
		}
		if !strings.Contains(block[1], short+" =") {
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
