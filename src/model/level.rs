//! The five autonomy levels of design §5 and who decided something.
//!
//! Owns the level's number, name and serialisation. The policy matrix itself lives in the
//! engine; this file must not decide anything.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Autonomy level 1..=5. Serialised as its number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub enum AutonomyLevel {
    Assisted = 1,
    SemiAutonomous = 2,
    Strategic = 3,
    Full = 4,
    Evolutionary = 5,
}

impl AutonomyLevel {
    pub const ALL: [AutonomyLevel; 5] = [
        AutonomyLevel::Assisted,
        AutonomyLevel::SemiAutonomous,
        AutonomyLevel::Strategic,
        AutonomyLevel::Full,
        AutonomyLevel::Evolutionary,
    ];

    pub fn number(self) -> u8 {
        self as u8
    }

    pub fn name(self) -> &'static str {
        match self {
            AutonomyLevel::Assisted => "Assisted",
            AutonomyLevel::SemiAutonomous => "Semi-autonomous",
            AutonomyLevel::Strategic => "Strategic",
            AutonomyLevel::Full => "Full",
            AutonomyLevel::Evolutionary => "Evolutionary",
        }
    }

    /// `L2 Semi-autonomous`, as the status bar shows it.
    pub fn label(self) -> String {
        format!("L{} {}", self.number(), self.name())
    }

    pub fn raised(self) -> AutonomyLevel {
        AutonomyLevel::try_from(self.number() + 1).unwrap_or(self)
    }

    pub fn lowered(self) -> AutonomyLevel {
        AutonomyLevel::try_from(self.number().saturating_sub(1)).unwrap_or(self)
    }
}

impl TryFrom<u8> for AutonomyLevel {
    type Error = String;
    fn try_from(n: u8) -> Result<Self, Self::Error> {
        match n {
            1 => Ok(AutonomyLevel::Assisted),
            2 => Ok(AutonomyLevel::SemiAutonomous),
            3 => Ok(AutonomyLevel::Strategic),
            4 => Ok(AutonomyLevel::Full),
            5 => Ok(AutonomyLevel::Evolutionary),
            _ => Err(format!("autonomy level must be 1 to 5, not {n}")),
        }
    }
}

impl From<AutonomyLevel> for u8 {
    fn from(l: AutonomyLevel) -> u8 {
        l.number()
    }
}

impl fmt::Display for AutonomyLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

/// Who made a decision: a person, or the policy at the run's level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecidedBy {
    Person,
    Policy,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_numbers_on_the_wire() {
        assert_eq!(
            serde_json::to_string(&AutonomyLevel::Strategic).unwrap(),
            "3"
        );
        assert_eq!(
            serde_json::from_str::<AutonomyLevel>("5").unwrap(),
            AutonomyLevel::Evolutionary
        );
        assert!(serde_json::from_str::<AutonomyLevel>("7").is_err());
        assert_eq!(AutonomyLevel::SemiAutonomous.label(), "L2 Semi-autonomous");
        assert_eq!(
            AutonomyLevel::Evolutionary.raised(),
            AutonomyLevel::Evolutionary
        );
        assert_eq!(AutonomyLevel::Assisted.lowered(), AutonomyLevel::Assisted);
    }
}
