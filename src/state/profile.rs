//! The active profile as the TUI sees it: its name, wire, models (at its own prices), key note
//! and the cost above which a submit asks first.

use super::ComposeForm;
use crate::config::{Profile, ProviderKind};
use crate::domain::models::Wire;

/// The active profile, as the header shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileView {
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: ProviderKind,
    /// The wire it speaks (which models the form offers).
    pub wire: Wire,
    /// Its default model.
    pub model: String,
    /// A note when the profile cannot work (no key), with how to fix it.
    pub key_note: Option<String>,
    /// The config file path, named in hints.
    pub config_file: String,
    /// The models it offers.
    pub models: Vec<std::sync::Arc<crate::domain::catalogue::ModelSpec>>,
    /// The provider may watermark images.
    pub watermark: bool,
    /// One submit estimated above this asks first (`budget.confirm_above`).
    pub confirm_above: Option<f64>,
}

impl ProfileView {
    /// The view of a configured profile.
    pub fn of(
        p: &Profile,
        config_file: &std::path::Path,
        catalogue: &crate::domain::catalogue::Catalogue,
    ) -> Self {
        let key_note = (!p.is_simulator() && !p.key_probably_available())
            .then(|| format!("no key: {}", p.key_hint(config_file)));
        Self {
            name: p.name.clone(),
            kind: p.kind,
            wire: p.wire(),
            model: p.model.clone(),
            key_note,
            config_file: config_file.display().to_string(),
            models: priced(catalogue.for_wire(p.wire()), p.price.as_ref()),
            watermark: p.watermark,
            confirm_above: p.budget.confirm_above,
        }
    }

    /// A compose form over this profile's models, on its default model.
    pub fn form(&self) -> ComposeForm {
        let mut form = ComposeForm::new(self.models.clone(), &self.model);
        form.watermark = self.watermark;
        form
    }
}

/// The models with the profile's own price per image (when it has one) over the catalogue's,
/// so the form's estimate is in what this profile pays.
fn priced(
    models: Vec<std::sync::Arc<crate::domain::catalogue::ModelSpec>>,
    own: Option<&crate::domain::catalogue::Price>,
) -> Vec<std::sync::Arc<crate::domain::catalogue::ModelSpec>> {
    let Some(own) = own else {
        return models;
    };
    models
        .into_iter()
        .map(|m| {
            std::sync::Arc::new(crate::domain::catalogue::ModelSpec {
                price: Some(own.clone()),
                ..(*m).clone()
            })
        })
        .collect()
}
