//! Minimal `*`-only glob for file names and APK entry paths.
//!
//! Signature globs are short and few; a literal prefix check rejects almost every path before
//! the wildcard matcher runs, which keeps matching thousands of resource paths cheap.

/// A compiled glob: `*` matches any run of characters (including `/`), everything else is literal.
#[derive(Debug, Clone)]
pub struct Glob {
    /// Literal pieces between the stars.
    parts: Vec<Box<str>>,
    starts_with_star: bool,
    ends_with_star: bool,
}

impl Glob {
    pub fn new(pattern: &str) -> Self {
        Glob {
            parts: pattern
                .split('*')
                .filter(|s| !s.is_empty())
                .map(Box::from)
                .collect(),
            starts_with_star: pattern.starts_with('*'),
            ends_with_star: pattern.ends_with('*'),
        }
    }

    /// Whether the glob matches all of `text`.
    pub fn matches(&self, text: &str) -> bool {
        let mut rest = text;
        let n = self.parts.len();
        if n == 0 {
            return self.starts_with_star || text.is_empty();
        }
        for (i, part) in self.parts.iter().enumerate() {
            let first = i == 0;
            let last = i + 1 == n;
            if first && !self.starts_with_star {
                match rest.strip_prefix(part.as_ref()) {
                    Some(r) => rest = r,
                    None => return false,
                }
                if last && !self.ends_with_star {
                    return rest.is_empty();
                }
                continue;
            }
            if last && !self.ends_with_star {
                // The final literal must sit at the very end; greedy search from the left could
                // pick an earlier occurrence and wrongly fail.
                return rest.len() >= part.len() && rest.ends_with(part.as_ref());
            }
            // Leftmost match is optimal for a middle literal followed by `*`.
            match rest.find(part.as_ref()) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::Glob;

    #[test]
    fn globs() {
        let g = Glob::new("libjiagu*.so");
        assert!(g.matches("libjiagu.so"));
        assert!(g.matches("libjiagu_a64.so"));
        assert!(!g.matches("libjiagu.so.bak"));
        assert!(!g.matches("xlibjiagu.so"));
        let g = Glob::new("assets/ijm_lib/*");
        assert!(g.matches("assets/ijm_lib/armeabi/libexec.so"));
        assert!(!g.matches("assets/ijm_lib"));
        let g = Glob::new("libshella-*.so");
        assert!(g.matches("libshella-2.10.3.so"));
        assert!(!g.matches("libshell.so"));
        let g = Glob::new("assets/dp.arm*.so.dat");
        assert!(g.matches("assets/dp.arm-v7.so.dat"));
        assert!(!g.matches("assets/dp.arm-v7.so.dat.x"));
        let g = Glob::new("*.so.dat");
        assert!(g.matches("a.so.dat.so.dat"));
        let g = Glob::new("libx3g.so");
        assert!(g.matches("libx3g.so"));
        assert!(!g.matches("libx3g.so2"));
        let g = Glob::new("a*b*c");
        assert!(g.matches("abc"));
        assert!(g.matches("aXbYbZc"));
        assert!(!g.matches("acb"));
    }
}
