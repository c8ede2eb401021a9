package config

// The file* types mirror the TOML document as written. Pointers tell an
// absent key (which gets its default) from an explicit zero (which is
// checked). Their toml tags are the only list of known keys: the kind check
// in shape.go reads them too.

// fileConfig is the top level of the file.
type fileConfig struct {
	Store           *string        `toml:"store"`
	StorePassword   string         `toml:"store_password_file"`
	NameOrder       *string        `toml:"name_order"`
	MaxMessageBytes *int64         `toml:"max_message_bytes"`
	TombstoneDays   *int64         `toml:"tombstone_days"`
	ReportTo        string         `toml:"report_to"`
	LDAP            fileLDAP       `toml:"ldap"`
	HTTP            fileHTTP       `toml:"http"`
	Divisions       []fileDivision `toml:"division"`
}

// fileLDAP is the [ldap] table.
type fileLDAP struct {
	Listen        *[]string     `toml:"listen"`
	Suffix        *string       `toml:"suffix"`
	Organization  *string       `toml:"organization"`
	TLSCert       string        `toml:"tls_cert"`
	TLSKey        string        `toml:"tls_key"`
	Allow         []string      `toml:"allow"`
	AnonymousRole *string       `toml:"anonymous_role"`
	SizeLimit     *int64        `toml:"size_limit"`
	MinSubstring  *int64        `toml:"min_substring"`
	RateLimit     *int64        `toml:"rate_limit"`
	IdleTimeout   *string       `toml:"idle_timeout"`
	MaxConns      *int64        `toml:"max_connections"`
	MaxConnsAddr  *int64        `toml:"max_connections_per_address"`
	HarvestBudget *int64        `toml:"harvest_budget"`
	Accounts      []fileAccount `toml:"account"`
	Networks      []fileNetwork `toml:"network"`
}

// fileHTTP is the [http] table.
type fileHTTP struct {
	Listen *string `toml:"listen"`
}

// fileAccount is one [[ldap.account]].
type fileAccount struct {
	DN           string `toml:"dn"`
	PasswordHash string `toml:"password_hash"`
	Role         string `toml:"role"`
}

// fileNetwork is one [[ldap.network]].
type fileNetwork struct {
	CIDR          string `toml:"cidr"`
	Role          string `toml:"role"`
	HarvestBudget int64  `toml:"harvest_budget"`
}

// fileDivision is one [[division]].
type fileDivision struct {
	ID       string   `toml:"id"`
	Name     string   `toml:"name"`
	Code     string   `toml:"code"`
	Charset  *string  `toml:"charset"`
	MailHost string   `toml:"mail_host"`
	Senders  []string `toml:"senders"`
	Domains  []string `toml:"domains"`
	// SyncMaxDelete is a count ("25") or a percentage ("10%").
	SyncMaxDelete *string `toml:"sync_max_delete"`
	// MaxSilence and Admin are read by monitoring (see monitor.go).
	MaxSilence *string `toml:"max_silence"`
	Admin      string  `toml:"admin"`
}

// secretKeys are the keys whose values no message may quote.
var secretKeys = map[string]bool{"code": true, "password_hash": true}
