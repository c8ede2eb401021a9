package agent

import (
	"reflect"
	"regexp"
	"strings"
	"testing"

	"userdir/internal/readme"
)

// TestReadmeConfig: the README's agent.toml parses, and documents every
// key the agent reads.
func TestReadmeConfig(t *testing.T) {
	example := readme.Block(t, "agent.toml")
	c, err := ParseConfig("/etc/userdir/agent.toml", []byte(example))
	if err != nil {
		t.Fatalf("the README's agent.toml: %v", err)
	}
	if c.Source.Driver != DriverMySQL || !strings.Contains(c.Source.Query, "username AS eml, name, active AS act") {
		t.Errorf("the README's example is not the postfixadmin one: %+v", c.Source)
	}
	for _, key := range fileKeys(reflect.TypeOf(fileConfig{}), "") {
		table, name, ok := strings.Cut(key, ".")
		if !ok {
			table, name = "", key
		}
		re := regexp.MustCompile(`(?m)^#? ?` + regexp.QuoteMeta(name) + ` = `)
		section := example
		if table != "" {
			_, section, _ = strings.Cut(example, "["+table+"]")
		}
		if !re.MatchString(section) {
			t.Errorf("the README's agent.toml does not show %s", key)
		}
	}
}

// fileKeys lists the dotted keys of a decoded file type.
func fileKeys(t reflect.Type, prefix string) []string {
	var keys []string
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if f.Type.Kind() == reflect.Struct {
			keys = append(keys, fileKeys(f.Type, prefix+name+".")...)
			continue
		}
		keys = append(keys, prefix+name)
	}
	return keys
}
