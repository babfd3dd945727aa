//! The kinds of report files, by name (`--report junit=…`) and by file extension.

/// The kinds of report files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    /// JUnit XML.
    Junit,
    /// The JSON report (`runner.report/v1`).
    Json,
    /// One self-contained HTML page.
    Html,
    /// Test Anything Protocol.
    Tap,
}

impl ReportKind {
    /// Parses a kind name.
    pub fn parse(name: &str) -> Option<ReportKind> {
        Some(match name {
            "junit" => ReportKind::Junit,
            "json" => ReportKind::Json,
            "html" => ReportKind::Html,
            "tap" => ReportKind::Tap,
            _ => return None,
        })
    }

    /// The kind a file name suggests (`.xml` → JUnit).
    pub fn from_extension(path: &std::path::Path) -> Option<ReportKind> {
        Some(match path.extension()?.to_str()? {
            "xml" => ReportKind::Junit,
            "json" => ReportKind::Json,
            "html" | "htm" => ReportKind::Html,
            "tap" => ReportKind::Tap,
            _ => return None,
        })
    }
}
