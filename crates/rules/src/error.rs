//! Loading errors: every problem found in a pack, each naming its file and field.

use std::fmt;

/// One problem in one file of a pack.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// The file, relative to its pack root (or the user directory as given).
    pub file: String,
    /// The field (`condition`, `title.zh`, `cases[2]`, ...), when the problem is in one.
    pub field: Option<String>,
    pub message: String,
}

impl Problem {
    pub(crate) fn field(file: &str, field: &str, message: String) -> Self {
        Problem {
            file: file.to_owned(),
            field: Some(field.to_owned()),
            message,
        }
    }

    pub(crate) fn file(file: &str, message: String) -> Self {
        Problem {
            file: file.to_owned(),
            field: None,
            message,
        }
    }

    pub(crate) fn toml(file: &str, e: &toml::de::Error) -> Self {
        // toml's message already names the line, column and key; keep it on one line.
        let message = e.to_string().replace('\n', " ").trim().to_owned();
        Problem {
            file: file.to_owned(),
            field: None,
            message: format!("invalid TOML or rule shape: {message}"),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{}: field `{field}`: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// A pack that could not be loaded: every problem found, not only the first.
#[derive(Debug, Clone, thiserror::Error)]
pub struct LoadError {
    pub problems: Vec<Problem>,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rule pack has {} problem(s):", self.problems.len())?;
        for p in &self.problems {
            write!(f, "\n  {p}")?;
        }
        Ok(())
    }
}
