// Package directory is the core of the LDAP server: it turns binds into
// roles, answers searches, compares and Who am I? over an immutable,
// indexed in-memory snapshot of the store, and applies the policy of
// docs/roles.md (roles, anti-harvesting limits). It knows nothing of connections or
// of decoding requests: the protocol layer (package ldapserver) decodes
// requests into the types here and writes what the Emitter is handed. It
// holds each entry encoded once, when a snapshot is built, by the Encoder
// the front end supplies (ldapserver's writes BER), so sending one is a
// copy; the directory never looks inside the encodings.
package directory

import (
	"net/netip"

	"userdir/schema"
)

// ResultCode is an LDAP result code (RFC 4511 §4.1.9).
type ResultCode int

// The result codes the directory uses.
const (
	Success                      ResultCode = 0
	OperationsError              ResultCode = 1
	ProtocolError                ResultCode = 2
	TimeLimitExceeded            ResultCode = 3
	SizeLimitExceeded            ResultCode = 4
	CompareFalse                 ResultCode = 5
	CompareTrue                  ResultCode = 6
	AuthMethodNotSupported       ResultCode = 7
	AdminLimitExceeded           ResultCode = 11
	UnavailableCriticalExtension ResultCode = 12
	NoSuchAttribute              ResultCode = 16
	UndefinedAttributeType       ResultCode = 17
	InappropriateMatching        ResultCode = 18
	NoSuchObject                 ResultCode = 32
	InvalidDNSyntax              ResultCode = 34
	InvalidCredentials           ResultCode = 49
	InsufficientAccessRights     ResultCode = 50
	Busy                         ResultCode = 51
	Unavailable                  ResultCode = 52
	UnwillingToPerform           ResultCode = 53
	SortControlMissing           ResultCode = 60
	OffsetRangeError             ResultCode = 61
	Other                        ResultCode = 80
)

// Result is the LDAPResult of an operation.
type Result struct {
	Code      ResultCode
	MatchedDN string
	Message   string
}

// Session is what the directory knows about a client connection.
type Session struct {
	Peer          netip.Addr
	Role          schema.Role
	BindDN        string // as the client wrote it; "" when anonymous
	Authenticated bool   // a successful simple bind with a password

	cursors *cursorSet  // open paged searches of this connection
	budget  []budgetKey // what a book session's disclosures count against; nil: unlimited
}

// Scope is a search scope (RFC 4511 §4.5.1.2).
type Scope int

// The scopes.
const (
	ScopeBase Scope = 0
	ScopeOne  Scope = 1
	ScopeSub  Scope = 2
)

// SearchRequest is a decoded SearchRequest with the controls the directory implements.
type SearchRequest struct {
	BaseDN     string
	Scope      Scope
	SizeLimit  int // 0: no client limit
	TimeLimit  int // seconds; 0: no client limit
	TypesOnly  bool
	Filter     schema.Filter
	FilterKey  string // the filter's encoding, a cache key for its compiled form; "" disables caching
	Attributes []string
	Paging     *Paging
	Sort       *Sort
	VLV        *VLV
}

// Paging is the Simple Paged Results control (RFC 2696).
type Paging struct {
	Size     int
	Cookie   []byte
	Critical bool
}

// SortKey is one key of the Server-Side Sort control (RFC 2891).
type SortKey struct {
	Attr    string
	Rule    string // ordering rule name or OID; "" for the attribute's own
	Reverse bool
}

// Sort is the Server-Side Sort request control (RFC 2891).
type Sort struct {
	Keys     []SortKey
	Critical bool
}

// VLV is the Virtual List View request control (draft-ietf-ldapext-ldapv3-vlv-09).
type VLV struct {
	Before, After int
	ByOffset      bool   // target by Offset/Count, else by Assertion (greaterThanOrEqual)
	Offset, Count int    // 1-based offset and the client's idea of the content count
	Assertion     string // the greaterThanOrEqual value
	ContextID     []byte
	Critical      bool
}

// SearchResult is the SearchResultDone of a search with its response controls.
type SearchResult struct {
	Result
	Paging *PagingResponse
	Sort   *SortResponse
	VLV    *VLVResponse
}

// PagingResponse is the paged-results response control value.
type PagingResponse struct {
	Size   int
	Cookie []byte
}

// SortResponse is the sort response control value (RFC 2891 §1.2).
type SortResponse struct {
	Code ResultCode
	Attr string
}

// VLVResponse is the VLV response control value.
type VLVResponse struct {
	TargetPosition int
	ContentCount   int
	Code           ResultCode
	ContextID      []byte
}

// Emitter receives the entries of a search, as Options.Encoder encoded
// them: dn is the entry's name and attrs its selected attributes,
// concatenated. They are valid only for the duration of the call.
type Emitter interface {
	SendEntry(dn, attrs []byte) error
}

// Encoder encodes entries for the front end that sends them. The directory
// encodes each entry once, when a snapshot is built, keeps the encoding
// with it and hands the pieces to the Emitter, so that sending an entry is
// a copy. An entry's attributes are encoded one by one, so that a search
// that selects some of them sends their encodings concatenated.
type Encoder interface {
	// AppendName appends the encoding of the entry name dn to b.
	AppendName(b []byte, dn string) []byte
	// AppendAttribute appends the encoding of one attribute to b: its name
	// and values or, with typesOnly, its name alone.
	AppendAttribute(b []byte, name string, values []string, typesOnly bool) []byte
}
