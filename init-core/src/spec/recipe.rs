//! The check behind `#[init(recipe = ...)]`: the recipe's arguments and its rules against
//! the struct that names it.

use crate::error::Result;
use crate::module::Module;
use crate::recipes::Recipe;

/// `recipe`'s rules for `model`, each required to set a parameter of it (as
/// [`Rules::apply`](crate::Rules::apply) requires of runtime rules): what a derived struct's
/// [`Module::check_rules`] runs for each recipe it names.
pub fn check_recipe(recipe: &dyn Recipe, model: &dyn Module) -> Result<()> {
    let rules = recipe.rules(model)?;
    crate::rules::check_sets_something(model, &rules)
}
