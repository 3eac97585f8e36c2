//! What the command line takes: every command, subcommand and option
//! (clap derive). Running them is each noun's module's job.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "amser",
    version,
    about = "Amser: a time bank's own node, and the commands its coordinator uses",
    propagate_version = true
)]
pub struct Cli {
    /// The bank's data directory.
    #[arg(long, global = true, env = "AMSER_DATA", value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Print one JSON document instead of text for people.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Create a new bank: data directory, key pair, config file and API token.
    Init {
        /// The bank's name, like "Rhymney Time Bank".
        #[arg(long)]
        name: String,
        /// Short handle, the start of every member code, like rhymney.
        #[arg(long)]
        handle: String,
        #[arg(long, default_value = "")]
        region: String,
    },
    /// Run the node in the foreground until Ctrl-C or SIGTERM.
    Up {
        /// Address for the local API (overrides config.toml); port 0 picks a free one.
        #[arg(long, value_name = "ADDR")]
        api_listen: Option<SocketAddr>,
        /// Where peer banks connect (a libp2p multiaddr, overrides config.toml;
        /// default /ip4/0.0.0.0/tcp/7301); port 0 picks a free one.
        #[arg(long, value_name = "MULTIADDR")]
        p2p_listen: Option<String>,
        /// Serve GET /metrics (Prometheus) here, with the token in metrics-token
        /// (turns it on; overrides [metrics] in config.toml); port 0 picks a free one.
        #[arg(long, value_name = "ADDR")]
        metrics_listen: Option<SocketAddr>,
        /// Start a bank restored from a backup although it has peer banks and
        /// recovery from them is not built yet: only when you know the backup
        /// holds the bank's last entry (README, "Backups").
        #[arg(long)]
        accept_restore: bool,
    },
    /// Run a local demo federation: three banks (Rhymney, Gwynedd, Cardiff) with
    /// members and exchanges, on loopback, data under ./amser-demo (or --data).
    Demo {
        /// The first bank's API port; the others use +10 and +20, peers the next port up.
        /// 0 picks free ports.
        #[arg(long, default_value_t = 7300)]
        base_port: u16,
    },
    /// Show the bank's id, name, journal position and member count.
    Status,
    /// The register of members.
    #[command(subcommand)]
    Member(MemberCmd),
    /// Record, list, show and reverse exchanges.
    #[command(subcommand)]
    Exchange(ExchangeCmd),
    /// A member's balance, or every balance.
    Balance {
        code: Option<String>,
        #[command(flatten)]
        page: PageArgs,
    },
    /// Offers and requests, for matching.
    #[command(subcommand)]
    Listing(ListingCmd),
    /// The federation directory: offers and requests other banks share.
    #[command(subcommand)]
    Directory(DirectoryCmd),
    /// Hours exchanged and active members, by category, month and agency.
    Report {
        /// Count members active within this many months (default: the policy's).
        #[arg(long)]
        active_months: Option<u32>,
    },
    /// Verify the whole journal and every balance.
    Audit,
    /// Peer banks: admit them with a trust line, list, freeze, remove.
    #[command(subcommand)]
    Peer(PeerCmd),
    /// Transfers with other banks and their signatures.
    #[command(subcommand)]
    Transfer(TransferCmd),
    /// Clearing: rings of debt between banks, cancelled when every bank on one signs.
    #[command(subcommand)]
    Clearing(ClearingCmd),
    /// The regional network's figures, summed from what each bank signed.
    #[command(subcommand)]
    Federation(FederationCmd),
    /// Back up the bank to one file, while the node runs or not: the journal up
    /// to a head the node acknowledged, config.toml and bank.key (secret).
    Backup {
        /// Where to write it (outside the data directory); replaced only once the new one verifies.
        file: PathBuf,
    },
    /// Put a backup back into the data directory (the node must be stopped).
    /// All of it is verified first; another bank's backup is refused.
    Restore { file: PathBuf },
    /// Accounts for the web console: coordinators, viewers (trustees,
    /// funders: read-only, no contacts or notes) and members.
    #[command(subcommand)]
    User(UserCmd),
    /// Bring members or exchanges over from TimeOverflow or another system
    /// (a CSV file; README, "Moving from TimeOverflow"). Members first, then
    /// exchanges. Every problem is named by line and nothing is written until
    /// the file has none; the same file twice adds nothing.
    #[command(subcommand)]
    Import(ImportCmd),
    /// Export exchanges (csv) or the whole register and ledger (json).
    Export {
        #[arg(long, value_parser = ["csv", "json"], default_value = "csv")]
        format: String,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
pub enum ImportCmd {
    /// Members: TimeOverflow's members export (N, Username, Email, Phone, Alt. phone)
    /// or the generic layout (id, name, kind, contact, joined).
    Members(ImportArgs),
    /// Exchanges: TimeOverflow's transfers export (Date, from, from ID, to, to ID,
    /// post, post ID, Reason, quantity) or the generic layout (date, giver,
    /// receiver, hours, category, note).
    Exchanges(ImportArgs),
}

#[derive(Args)]
pub struct ImportArgs {
    /// The CSV file.
    pub file: PathBuf,
    /// The file's layout.
    #[arg(long, value_parser = ["timeoverflow", "generic"], default_value = "timeoverflow")]
    pub format: String,
    /// Check the file and say what it would do, writing nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// One page of a list instead of all of it (every list prints everything
/// unless given one of these).
#[derive(Args, Clone, Default)]
pub struct PageArgs {
    /// Print one page of at most this many (up to 1000), and the cursor of the next.
    #[arg(long)]
    pub limit: Option<usize>,
    /// Print the page that starts at this cursor (printed with the page before).
    #[arg(long)]
    pub cursor: Option<String>,
}

impl PageArgs {
    /// Whether one page was asked for, not the whole list.
    pub fn one_page(&self) -> bool {
        self.limit.is_some() || self.cursor.is_some()
    }

    pub fn query(&self) -> amser_node::model::PageQuery {
        amser_node::model::PageQuery { cursor: self.cursor.clone(), limit: self.limit }
    }
}

#[derive(Args)]
pub struct ProfileArgs {
    #[arg(long)]
    pub contact: Option<String>,
    /// Skills offered, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub skills: Option<Vec<String>>,
    /// Needs, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub needs: Option<Vec<String>>,
    #[arg(long)]
    pub availability: Option<String>,
    /// Special needs and safeguarding notes (never leave this node).
    #[arg(long)]
    pub special_needs: Option<String>,
}

#[derive(Subcommand)]
pub enum MemberCmd {
    /// Add a person, an agency or a group.
    Add {
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "person", value_parser = ["person", "agency", "group"])]
        kind: String,
        #[command(flatten)]
        profile: ProfileArgs,
        /// Date they joined (YYYY-MM-DD); today by default.
        #[arg(long)]
        joined: Option<String>,
    },
    /// List members.
    List {
        #[arg(long, value_parser = ["active", "paused", "left", "moved"])]
        status: Option<String>,
        #[arg(long, value_parser = ["person", "agency", "group"])]
        kind: Option<String>,
        /// Only members offering a skill containing this text.
        #[arg(long)]
        skill: Option<String>,
        #[command(flatten)]
        page: PageArgs,
    },
    /// Show one member, with their balance and recent exchanges.
    Show { code: String },
    /// Everything the bank holds about a member (their right of access):
    /// a printable statement, or with --json the whole record as JSON.
    Export { code: String },
    /// Erase a member's personal data (their right to erasure): name,
    /// contact, skills, needs, notes and the text of their exchanges and
    /// listings are destroyed beyond recovery; their code and balance stay,
    /// so every ledger still adds up. Give their balance to a fund first if
    /// the bank wishes (an ordinary exchange). Asks you to type the code
    /// to confirm, unless --yes.
    Erase {
        code: String,
        /// Why, for the journal (do not repeat their personal data here).
        #[arg(long)]
        reason: String,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
    /// Move a member to another bank, which has registered them (`--to` is
    /// their code there): their balance goes with them as one transfer to
    /// that bank, their code here is marked moved, and with --export their
    /// history is written to FILE first, to hand to them.
    Move {
        code: String,
        #[arg(long)]
        to: String,
        /// Write everything the bank holds about them (as `member export --json`) here first.
        #[arg(long)]
        export: Option<PathBuf>,
    },
    /// Sign a letter introducing an active member to another bank for a visit
    /// (their code, since when they are a member, whether your safeguarding
    /// checks are done, until when it holds; no personal data). Hand it to them.
    Introduce {
        code: String,
        /// The handle of the bank they visit (admitted here).
        #[arg(long)]
        to: String,
        /// The letter's last day, YYYY-MM-DD (at most a year from today).
        #[arg(long)]
        until: String,
        /// Say in the letter that this bank's safeguarding checks on them are done.
        #[arg(long)]
        checks_done: bool,
        /// Write the letter to this file instead of printing it.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Register a visitor from another bank on the letter of introduction
    /// they bring (checked: signed by a bank you admitted, for you, holding today).
    Visit {
        /// The letter's file, as `amser member introduce --out` wrote it.
        #[arg(long)]
        letter: PathBuf,
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "")]
        contact: String,
    },
    /// Change a member's details or status.
    Set {
        code: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long, value_parser = ["active", "paused", "left"])]
        status: Option<String>,
        #[command(flatten)]
        profile: ProfileArgs,
    },
}

#[derive(Subcommand)]
pub enum ExchangeCmd {
    /// Record that provider(s) gave time to receiver(s).
    Record {
        /// Who gave time (member codes, comma-separated for several).
        #[arg(long, value_delimiter = ',', required = true)]
        provider: Vec<String>,
        /// Who received it (comma-separated for a group).
        #[arg(long, value_delimiter = ',', required = true)]
        receiver: Vec<String>,
        /// Hours each provider gave: 1.5 or 1:30.
        #[arg(long, allow_hyphen_values = true)]
        hours: String,
        #[arg(long, default_value = "")]
        category: String,
        #[arg(long, default_value = "")]
        note: String,
        /// When the help was given (YYYY-MM-DD); today by default.
        #[arg(long)]
        date: Option<String>,
        /// Your own reference; repeating a command with the same one records it once.
        #[arg(long = "ref")]
        client_ref: Option<String>,
    },
    /// List exchanges, newest first.
    List {
        #[command(flatten)]
        page: PageArgs,
    },
    /// Show one exchange (full id or its first characters).
    Show { id: String },
    /// Undo an exchange with a reversing entry (the original stays on record).
    Reverse {
        id: String,
        #[arg(long)]
        reason: String,
    },
}

#[derive(Subcommand)]
pub enum PeerCmd {
    /// Admit a bank: its members may then spend here up to the trust line.
    Add {
        /// The other bank's id (12D3KooW..., from its `amser status`).
        bank_id: String,
        /// Where to reach it, like /ip4/192.0.2.7/tcp/7301.
        multiaddr: String,
        /// The most hours that bank's members may owe this bank in total.
        #[arg(long)]
        trust_hours: String,
        /// The most hours one transfer from that bank may carry.
        #[arg(long)]
        max_transfer_hours: Option<String>,
        /// Its handle (learnt from the bank itself when it connects, if not given).
        #[arg(long)]
        handle: Option<String>,
    },
    /// Admitted banks: connected or not, trust line, clearing position, pending transfers.
    List {
        #[command(flatten)]
        page: PageArgs,
    },
    /// Stop all transfers with a bank until unfrozen.
    Freeze {
        bank_id: String,
    },
    Unfreeze {
        bank_id: String,
    },
    /// Remove a bank from the federation (its record stays). Refused while
    /// transfers from our members still wait for that bank's decision.
    Remove {
        bank_id: String,
        /// Remove it even so: those transfers stay pending, their hours held
        /// on our members, until the bank's signed decision reaches us (if it
        /// is admitted again, or through another bank). Nothing is released
        /// on our own say.
        #[arg(long)]
        force: bool,
    },
    /// The room each bank advertises on its trust lines (how many more hours
    /// each of its peers' members may spend there), as the adverts that
    /// reached this bank say: what paths between banks are found on.
    Rooms,
}

#[derive(Subcommand)]
pub enum TransferCmd {
    /// Transfers, newest first.
    List {
        #[command(flatten)]
        page: PageArgs,
    },
    /// One transfer, with its state and signatures.
    Show { id: String },
    /// Hours moved between each pair of banks in the federation, as far as
    /// this bank has seen (its own transfers, gossip and peers' public logs).
    Positions,
    /// The path of trust lines a transfer to another bank's member would take
    /// (direct, or through banks that trust each other, at most 4 lines).
    Path {
        /// The payee bank's handle, the part of its member codes before `:` (like `cardiff`).
        #[arg(long)]
        to: String,
        /// The hours to move (`2`, `1.5`, `1:30`).
        #[arg(long)]
        hours: String,
    },
}

#[derive(Subcommand)]
pub enum ClearingCmd {
    /// Rings of banks whose members owe the next bank's round a circle, found
    /// on the positions this bank has seen, with the hours clearing would
    /// take off every debt on each (no bank's net position changes).
    Rings,
    /// Propose clearing every ring of debts this bank is on: the proposal
    /// goes round the ring and applies once every bank on it has signed
    /// (a bank that declines leaves everything as it was).
    Run,
    /// The clearings this bank proposed or signed, newest first, and their state.
    List,
}

#[derive(Subcommand)]
pub enum FederationCmd {
    /// Hours, exchanges and active members across the network for a month,
    /// summed from the figures each bank signed (a tampered figure is
    /// refused and not counted), and the banks whose figures are missing.
    Stats {
        /// The month, YYYY-MM (default: this month).
        #[arg(long)]
        month: Option<String>,
        /// Table for people (default), csv (one row a bank, then the total) or json.
        #[arg(long, value_parser = ["table", "csv", "json"], default_value = "table")]
        format: String,
    },
}

#[derive(Subcommand)]
pub enum UserCmd {
    /// Add an account and print its one-time sign-in link (valid a week).
    Add {
        #[arg(long)]
        name: String,
        /// coordinator, viewer or member.
        #[arg(long)]
        role: String,
        /// The member whose account it is (role member only).
        #[arg(long)]
        member: Option<String>,
    },
    /// List the accounts.
    List,
    /// A new sign-in link for an account (a forgotten password): the old
    /// link and password stop working.
    Link { name: String },
    /// Disable an account (it can no longer sign in), or with --enable allow it again.
    Disable {
        name: String,
        #[arg(long)]
        enable: bool,
    },
}

#[derive(Subcommand)]
pub enum ListingCmd {
    /// Post an offer or a request.
    Add {
        #[arg(long, value_parser = ["offer", "request"])]
        kind: String,
        #[arg(long)]
        member: String,
        #[arg(long)]
        category: String,
        #[arg(long)]
        description: String,
    },
    /// List open offers and requests.
    List {
        #[arg(long)]
        category: Option<String>,
        #[command(flatten)]
        page: PageArgs,
    },
    /// Close a listing.
    Close { id: String },
    /// Share an open listing in the federation directory (when the bank
    /// shares its directory: `[directory] share = true`): other banks see
    /// its kind, category, the title given here, the member's code and the
    /// date; never the description, the member's name or contact.
    Share {
        id: String,
        /// The words other banks see (at most 80 characters; none: the category alone).
        /// Do not put the member's name or contact here.
        #[arg(long, default_value = "")]
        title: String,
    },
    /// Withdraw a listing from the federation directory.
    Unshare { id: String },
}

#[derive(Subcommand)]
pub enum DirectoryCmd {
    /// Offers and requests other banks share whose category or title holds
    /// every word, from each connected admitted bank; each with the command
    /// that records an exchange with its member.
    Search {
        /// The words to look for, e.g. "bike repair".
        words: String,
        /// Only banks in this region (their `[bank] region`).
        #[arg(long)]
        region: Option<String>,
        /// Our member the printed commands record the exchange for (YOUR_MEMBER when absent).
        #[arg(long)]
        member: Option<String>,
    },
}

impl Cli {
    /// The bank's data directory: --data or AMSER_DATA, else ./amser-demo
    /// for the demo, else the user's data directory.
    pub fn data_dir(&self) -> amser_node::DataDir {
        let demo = matches!(self.command, Command::Demo { .. });
        amser_node::DataDir::new(self.data.clone().unwrap_or_else(|| if demo { PathBuf::from("amser-demo") } else { default_data_dir() }))
    }
}

/// Where a bank lives unless --data or AMSER_DATA says otherwise.
fn default_data_dir() -> PathBuf {
    if let Some(x) = std::env::var_os("XDG_DATA_HOME") {
        return PathBuf::from(x).join("amser");
    }
    match std::env::var_os("HOME") {
        Some(home) => PathBuf::from(home).join(".local/share/amser"),
        None => PathBuf::from("amser-data"),
    }
}
