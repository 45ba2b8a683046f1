//! Terraform / OpenTofu plan JSON → neutral model. (In progress.)

use crate::error::{Error, Located, Result};
use crate::model::Plan;
use crate::plan::Source;

pub fn parse(src: &Source) -> Result<Plan> {
    Err(Error::input(Located::whole_file(
        "planguard::input::unsupported",
        &src.path,
        "Terraform plans are not supported by this build yet",
    )))
}
