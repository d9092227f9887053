//! The checks every model entry passes once it is built: limits that make sense together.

use super::file::ModelError;
use super::{ModelSpec, ShapeSpec};
use crate::domain::models::Wire;

/// The rules every model must keep, whatever its file says.
pub(super) fn check(spec: &ModelSpec) -> Result<(), ModelError> {
    let id = &spec.id;
    if spec.id.trim().is_empty() || spec.id.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(ModelError::new(
            id,
            "id",
            "a model id has no spaces or control characters",
        ));
    }
    if spec.prompt_max == 0 {
        return Err(ModelError::new(id, "prompt_max", "must be at least 1"));
    }
    if spec.images.min > spec.images.max
        || (spec.images.max > 0 && spec.images.min_side > spec.images.max_side)
    {
        return Err(ModelError::new(id, "images", "min must not exceed max"));
    }
    if spec.wire == Wire::Apiframe && !matches!(spec.shape, ShapeSpec::Ratios(_) | ShapeSpec::None)
    {
        return Err(ModelError::new(
            id,
            "ratios",
            "Apiframe models take aspect ratios, not sizes",
        ));
    }
    if spec.wire == Wire::OpenAi && matches!(spec.shape, ShapeSpec::Ratios(_)) {
        return Err(ModelError::new(
            id,
            "sizes",
            "gateway models take sizes, not aspect ratios",
        ));
    }
    if !(1..=600 * 10).contains(&spec.timeout_secs) {
        return Err(ModelError::new(
            id,
            "timeout_secs",
            "must be between 1 and 6000",
        ));
    }
    Ok(())
}
