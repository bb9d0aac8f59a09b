//! [`Rank`]: which of `world` processes this one is, given or read from the launcher's
//! environment.

use std::fmt;

use crate::error::{ErrorKind, InitError, Result};

/// The launchers' variables, as (rank, world size) pairs, in the order they are reported.
const LAUNCHERS: [(&str, &str, &str); 4] = [
    ("torchrun", "RANK", "WORLD_SIZE"),
    ("Slurm", "SLURM_PROCID", "SLURM_NTASKS"),
    ("Open MPI", "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"),
    ("MPICH/PMI", "PMI_RANK", "PMI_SIZE"),
];

/// Process `rank` of `world`, each writing its own shard files of a checkpoint with no
/// communication between them.
///
/// ```
/// use init_core::Rank;
/// let r = Rank::new(1, 4)?;
/// assert_eq!((r.rank(), r.world()), (1, 4));
/// // Under `torchrun --nproc-per-node 4`, process 2 sees RANK=2 WORLD_SIZE=4:
/// let env = |k: &str| match k { "RANK" => Some("2".to_string()), "WORLD_SIZE" => Some("4".into()), _ => None };
/// assert_eq!(Rank::from_vars(env)?, Rank::new(2, 4)?);
/// let none = |_: &str| None;
/// assert_eq!(Rank::from_vars(none)?, Rank::SINGLE);
/// assert_eq!(Rank::new(4, 4).unwrap_err().to_string(), "rank 4 is not below the world size 4");
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rank {
    rank: usize,
    world: usize,
}

impl Rank {
    /// One process alone: rank 0 of 1.
    pub const SINGLE: Rank = Rank { rank: 0, world: 1 };

    /// Rank `rank` of `world`. Errors: `world` 0, `rank` not below `world`.
    pub fn new(rank: usize, world: usize) -> Result<Rank> {
        if world == 0 {
            return Err(rule("the world size must be at least 1, got 0".into()));
        }
        if rank >= world {
            return Err(rule(format!("rank {rank} is not below the world size {world}")));
        }
        Ok(Rank { rank, world })
    }

    /// The rank the launcher gave this process, from the environment: torchrun (`RANK`,
    /// `WORLD_SIZE`), Slurm (`SLURM_PROCID`, `SLURM_NTASKS`), Open MPI
    /// (`OMPI_COMM_WORLD_RANK`, `OMPI_COMM_WORLD_SIZE`) or MPICH/PMI (`PMI_RANK`,
    /// `PMI_SIZE`); [`Rank::SINGLE`] when none is set. See [`Rank::from_vars`].
    pub fn from_env() -> Result<Rank> {
        Rank::from_vars(|k| std::env::var(k).ok())
    }

    /// [`Rank::from_env`] over `var` (a variable's value, `None` when unset). Every
    /// launcher whose variables are set must agree. Errors, naming the variables: a pair
    /// with one variable set and not the other, a value that is not a non-negative integer,
    /// a rank not below its world size, two launchers that disagree (a torchrun started
    /// inside a Slurm allocation of one task per node, say: give the rank explicitly then).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Rank> {
        let mut found: Option<(Rank, &str, &str)> = None;
        for (launcher, r, w) in LAUNCHERS {
            let (rv, wv) = (var(r), var(w));
            let (rv, wv) = match (rv, wv) {
                (None, None) => continue,
                (Some(a), Some(b)) => (a, b),
                (a, _) => {
                    let (set, unset) = if a.is_some() { (r, w) } else { (w, r) };
                    return Err(rule(format!(
                        "{launcher}: {set} is set but {unset} is not; set both or neither"
                    )));
                }
            };
            let rank = number(r, &rv)?;
            let world = number(w, &wv)?;
            let here = Rank::new(rank, world)
                .map_err(|e| rule(format!("{r}={rv}, {w}={wv}: {}", e.kind())))?;
            match found {
                Some((seen, sr, sw)) if seen != here => {
                    return Err(rule(format!(
                        "the launchers disagree: {sr}={}, {sw}={} but {r}={rank}, {w}={world}; \
                         give the rank and world size explicitly",
                        seen.rank, seen.world
                    )));
                }
                Some(_) => {}
                None => found = Some((here, r, w)),
            }
        }
        Ok(found.map_or(Rank::SINGLE, |(r, _, _)| r))
    }

    /// This process's rank.
    pub fn rank(&self) -> usize {
        self.rank
    }

    /// The number of processes.
    pub fn world(&self) -> usize {
        self.world
    }
}

impl Default for Rank {
    /// [`Rank::SINGLE`].
    fn default() -> Self {
        Rank::SINGLE
    }
}

/// `rank 1 of 4`.
impl fmt::Display for Rank {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rank {} of {}", self.rank, self.world)
    }
}

fn number(name: &str, value: &str) -> Result<usize> {
    value
        .trim()
        .parse::<usize>()
        .map_err(|_| rule(format!("{name}={value:?} is not a non-negative integer")))
}

fn rule(rule: String) -> InitError {
    InitError::new("", ErrorKind::Checkpoint { rule })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
    }

    #[test]
    fn each_launcher_is_read() {
        let cases = [
            [("RANK", "3"), ("WORLD_SIZE", "4")],
            [("SLURM_PROCID", "3"), ("SLURM_NTASKS", "4")],
            [("OMPI_COMM_WORLD_RANK", "3"), ("OMPI_COMM_WORLD_SIZE", "4")],
            [("PMI_RANK", "3"), ("PMI_SIZE", "4")],
        ];
        for c in cases {
            assert_eq!(Rank::from_vars(env(&c)).unwrap(), Rank { rank: 3, world: 4 }, "{c:?}");
        }
        let agree = [("RANK", "1"), ("WORLD_SIZE", "2"), ("PMI_RANK", "1"), ("PMI_SIZE", "2")];
        assert_eq!(Rank::from_vars(env(&agree)).unwrap(), Rank { rank: 1, world: 2 });
    }

    #[test]
    fn bad_environments_are_errors_naming_the_variables() {
        let msg = |pairs: &[(&str, &str)]| Rank::from_vars(env(pairs)).unwrap_err().to_string();
        assert_eq!(
            msg(&[("RANK", "1")]),
            "torchrun: RANK is set but WORLD_SIZE is not; set both or neither"
        );
        assert_eq!(
            msg(&[("PMI_SIZE", "2")]),
            "MPICH/PMI: PMI_SIZE is set but PMI_RANK is not; set both or neither"
        );
        assert_eq!(
            msg(&[("SLURM_PROCID", "-1"), ("SLURM_NTASKS", "2")]),
            "SLURM_PROCID=\"-1\" is not a non-negative integer"
        );
        assert_eq!(
            msg(&[("OMPI_COMM_WORLD_RANK", "2"), ("OMPI_COMM_WORLD_SIZE", "2")]),
            "OMPI_COMM_WORLD_RANK=2, OMPI_COMM_WORLD_SIZE=2: rank 2 is not below the world size 2"
        );
        assert_eq!(
            msg(&[("RANK", "0"), ("WORLD_SIZE", "0")]),
            "RANK=0, WORLD_SIZE=0: the world size must be at least 1, got 0"
        );
        assert_eq!(
            msg(&[
                ("RANK", "1"),
                ("WORLD_SIZE", "4"),
                ("SLURM_PROCID", "0"),
                ("SLURM_NTASKS", "1")
            ]),
            "the launchers disagree: RANK=1, WORLD_SIZE=4 but SLURM_PROCID=0, SLURM_NTASKS=1; \
             give the rank and world size explicitly"
        );
    }
}
