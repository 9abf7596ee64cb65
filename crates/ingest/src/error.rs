//! Errors of reading an input file: always the file, and where known the line
//! and column, because the person fixing the export needs to find the cell.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestError {
    pub file: String,
    pub line: Option<u64>,
    pub column: Option<String>,
    pub message: String,
}

impl IngestError {
    pub fn new(file: &str, message: impl Into<String>) -> IngestError {
        IngestError {
            file: file.to_owned(),
            line: None,
            column: None,
            message: message.into(),
        }
    }

    pub fn at_line(mut self, line: u64) -> IngestError {
        self.line = Some(line);
        self
    }

    pub fn in_column(mut self, column: impl Into<String>) -> IngestError {
        self.column = Some(column.into());
        self
    }
}

impl fmt::Display for IngestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        f.write_str(": ")?;
        if let Some(column) = &self.column {
            write!(f, "column `{column}`: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for IngestError {}

/// An error inside a chunk, before the file name and absolute line are known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RowError {
    /// Line relative to the chunk's first line (0-based).
    pub line_offset: u64,
    pub column: Option<String>,
    /// The 0-based field of the file where the error is, when the splitter
    /// knows it but not the column's name.
    pub field: Option<usize>,
    pub message: String,
}

impl RowError {
    pub fn in_field(mut self, field: usize) -> RowError {
        self.field = Some(field);
        self
    }

    pub fn new(line_offset: u64, message: impl Into<String>) -> RowError {
        RowError {
            line_offset,
            column: None,
            field: None,
            message: message.into(),
        }
    }

    pub fn in_column(mut self, column: impl Into<String>) -> RowError {
        self.column = Some(column.into());
        self
    }

    pub fn locate(self, file: &str, first_line: u64) -> IngestError {
        IngestError {
            file: file.to_owned(),
            line: Some(first_line + self.line_offset),
            column: self.column,
            message: self.message,
        }
    }
}
