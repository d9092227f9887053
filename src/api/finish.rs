//! The last step of a job whose results are known: download and save them, refresh an
//! expired URL once, keep what is not an image, and retry saving when the disk refuses.

use super::ApiEvent;
use super::apiframe::ApiframeClient;
use super::deliver::{self, DeliverError};
use super::download::DownloadError;
use super::error::clean;
use super::runner::{Ctx, Stop, retry_delay};
use super::runtime::ProfileRuntime;
use crate::domain::Level;
use crate::domain::{Job, JobState};
use crate::store::JobPatch;

/// Downloads and saves the results of a job in `downloading`, then marks it done.
pub(crate) async fn finish(
    ctx: &Ctx,
    rt: &ProfileRuntime,
    job: &Job,
    client: Option<&ApiframeClient>,
) -> Result<(), Stop> {
    let mut job = job.clone();
    let mut refreshed = false;
    let mut save_failures = 0u32;
    loop {
        // Results that arrived as bytes were saved before; the URLs follow them.
        let first = job.saved_paths.len();
        let total = first + job.result_urls.len();
        match ctx
            .guard(deliver::fetch_and_save(
                rt,
                &job,
                &job.result_urls,
                first,
                total,
            ))
            .await?
        {
            Ok(fetched) => {
                crate::failpoint::hit("download.after_save");
                let mut paths = job.saved_paths.clone();
                paths.extend(fetched);
                ctx.note("");
                ctx.move_to(
                    JobState::Done,
                    JobPatch {
                        saved_paths: Some(paths),
                        ..JobPatch::default()
                    },
                )
                .await;
                return Ok(());
            }
            Err(DeliverError::Download(DownloadError::Gone(status))) => {
                // A fresh URL may exist: ask the provider once more (reliability.md case 27).
                if !refreshed
                    && let (Some(c), Some(rid)) = (client, job.remote_id.as_deref())
                    && let Ok(Ok(rj)) = ctx.guard(c.poll(rid)).await.map(|r| r.map_err(|_| ()))
                    && !rj.result_urls.is_empty()
                    && rj.result_urls != job.result_urls
                {
                    refreshed = true;
                    if let Some(j) = ctx
                        .move_to(
                            JobState::Downloading,
                            JobPatch {
                                result_urls: Some(rj.result_urls),
                                ..JobPatch::default()
                            },
                        )
                        .await
                    {
                        job = j;
                        continue;
                    }
                }
                ctx.move_to(
                    JobState::Expired {
                        message: format!(
                            "the result was gone (HTTP {status}) before it could be downloaded"
                        ),
                    },
                    JobPatch::default(),
                )
                .await;
                return Ok(());
            }
            Err(DeliverError::Download(DownloadError::NotAnImage(why, body))) => {
                // The job was paid for: keep what the provider sent, but never as an image.
                let name = crate::store::images::file_name(&job, 0, 1, "bin");
                let dir = rt.output_dir.clone();
                let kept = tokio::task::spawn_blocking(move || {
                    crate::store::images::write_atomic(&dir, &name, &body)
                })
                .await;
                let where_ = match kept {
                    Ok(Ok(p)) => format!("; the provider's answer is kept in {}", p.display()),
                    _ => String::new(),
                };
                ctx.fail(clean(
                    &format!("download invalid: not an image ({why}){where_}"),
                    "",
                ))
                .await;
                return Ok(());
            }
            Err(DeliverError::Download(e)) => {
                ctx.fail(e.to_string()).await;
                return Ok(());
            }
            Err(DeliverError::Save(e)) => {
                // The job keeps its URLs in `downloading`; saving is tried again (disk full…).
                save_failures += 1;
                let msg = clean(&e.to_string(), "");
                ctx.note(format!("{msg}; will try again"));
                if save_failures >= 5 {
                    ctx.shared.emit(ApiEvent::Notice {
                        level: Level::Error,
                        text: format!(
                            "{msg}; the job stays in `downloading` and resumes on the next start"
                        ),
                    });
                    return Ok(());
                }
                ctx.sleep(retry_delay(save_failures + 2)).await?;
            }
        }
    }
}
