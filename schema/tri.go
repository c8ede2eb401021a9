package schema

// String returns "True", "False" or "Undefined".
func (t Tri) String() string {
	switch t {
	case True:
		return "True"
	case False:
		return "False"
	}
	return "Undefined"
}
