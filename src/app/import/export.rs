//! `runner export curl`: a request rendered as a run would send it, printed as a curl command.
//! Values only a run can know (captures of other requests, the loop variable, an OAuth2 token)
//! become shell variables, each with a comment saying where it comes from; secrets are masked.

use std::collections::{HashMap, HashSet};

use crate::app::plan::{load_dotenv, load_plan, resolve_vars};
use crate::cli::ExportCurlArgs;
use crate::http::{HttpBody, HttpRequest, MultipartValue};
use crate::import::export::{CurlBody, CurlCommand, CurlPart, has_marker, marker, render};
use crate::import::{ImportError, placeholder, shell};
use crate::model::{Auth, Body, Collection, Part, Request};
use crate::run::authorize::{self, Credentials};
use crate::run::render::{RenderFailure, render_request};
use crate::run::vars::Vars;
use crate::secrets::Secrets;

/// Shell variables standing in for values the command cannot know.
#[derive(Default)]
struct ShellVars {
    /// Names, indexed by marker number.
    names: Vec<String>,
    /// The template variable each stands in for, indexed alike.
    sources: Vec<String>,
    /// (name, comment) for each.
    why: Vec<(String, String)>,
    /// How often each base name was handed out.
    taken: HashMap<String, usize>,
    /// Hand out the probe's markers (`alternate_marker`) instead.
    alternate: bool,
}

impl ShellVars {
    /// A new shell variable for the template variable `var`: its name and marker text.
    fn name(&mut self, var: &str) -> (String, String) {
        let base = placeholder::env_name(var);
        let count = self.taken.entry(base.clone()).or_insert(0);
        *count += 1;
        let name = if *count == 1 {
            base
        } else {
            format!("{base}_{count}")
        };
        self.names.push(name.clone());
        self.sources.push(var.to_string());
        let n = self.names.len() - 1;
        (
            name,
            if self.alternate {
                alternate_marker(n)
            } else {
                marker(n)
            },
        )
    }

    /// As `name`, with a comment to print when the command uses it; returns the marker.
    fn add(&mut self, var: &str, why: impl FnOnce(&str) -> String) -> String {
        let (name, marker) = self.name(var);
        self.why.push((name.clone(), why(&name)));
        marker
    }

    /// Captures of any request (unless given with `--var`) and the loop variable.
    fn stand_in(
        &mut self,
        collection: &Collection,
        request: &Request,
        vars: &mut Vars,
        given: &HashSet<&str>,
    ) {
        // a capture wins over vars and environments in a run, so only `--var` keeps its value
        let mut seen = HashSet::new();
        for other in &collection.requests {
            for capture in &other.captures {
                if given.contains(capture.name.as_str()) || !seen.insert(capture.name.as_str()) {
                    continue;
                }
                let marker = self.add(&capture.name, |name| {
                    format!(
                        "{name}: captured by request `{}` in a run; set it first",
                        other.path
                    )
                });
                vars.set(&capture.name, &serde_json::Value::String(marker));
            }
        }
        if let Some(for_each) = &request.for_each
            && !vars.contains(&for_each.var)
        {
            let marker = self.add(&for_each.var, |name| {
                format!("{name}: one element of the request's for_each list")
            });
            vars.set(&for_each.var, &serde_json::Value::String(marker));
        }
    }

    /// Comments for the variables the command uses.
    fn explain(&self, cmd: &mut CurlCommand) {
        let text = render(cmd, &self.names);
        for (name, why) in &self.why {
            if text.contains(&format!("${name}")) || text.contains(&format!("${{{name}}}")) {
                cmd.comments.push(why.clone());
            }
        }
    }
}

/// A second marker for the same shell variable, different in case and length, so a filter
/// (`| lower`, `| length`, `| b64encode`) changes the two renderings differently.
fn alternate_marker(n: usize) -> String {
    format!("__runner_probe_{n}_of_a_shell_var__")
}

/// Refuses a request in which a stand-in goes through a filter or an expression: rendered
/// with other markers, it must differ only by those markers, or the command would print
/// internal placeholders (or a value computed from one).
fn check_plain_substitution(
    collection: &Collection,
    request: &Request,
    mut vars: Vars,
    given: &HashSet<&str>,
    rendered: &HttpRequest,
    secrets: &Secrets,
) -> Result<(), ImportError> {
    let mut probe = ShellVars {
        alternate: true,
        ..ShellVars::default()
    };
    probe.stand_in(collection, request, &mut vars, given);
    let Ok(ctx) = vars.context_for(collection, request.scope) else {
        return Ok(());
    };
    let Ok(other) = render_request(collection, request, &ctx, secrets) else {
        return Ok(());
    };
    let (first, mut second) = (format!("{rendered:?}"), format!("{other:?}"));
    let read = crate::run::select::request_variables(request, &collection.templates);
    let mut culprits = Vec::new();
    for (n, var) in probe.sources.iter().enumerate() {
        let (primary, alternate) = (marker(n), alternate_marker(n));
        let kept = first.matches(&primary).count();
        // changed by a filter, or read and turned into something else (`| length`)
        if kept != second.matches(&alternate).count() || (kept == 0 && read.contains(var)) {
            culprits.push(format!("`{var}`"));
        }
        second = second.replace(&alternate, &primary);
    }
    if first == second {
        return Ok(());
    }
    let which = if culprits.is_empty() {
        "a value only a run knows (a capture or the for_each variable)".to_string()
    } else {
        format!("{} (known only in a run)", culprits.join(", "))
    };
    Err(ImportError::Export(format!(
        "cannot export request `{}` as a curl command: {which} goes through a filter or an expression (`| lower`, `~`, …) that the shell cannot compute; give the value with --var NAME=VALUE",
        request.path
    )))
}

/// `runner export curl COLLECTION --request NAME`.
pub(super) fn export_curl(args: &ExportCurlArgs, secrets: &Secrets) -> Result<(), ImportError> {
    load_dotenv();
    let fail = |message: String| ImportError::Export(message);
    let plan = load_plan(std::slice::from_ref(&args.file), &args.input, None, secrets)
        .map_err(|errors| fail(errors.iter().map(crate::load::LoadError::render).collect()))?;
    let cli_layer = plan.cli_layer;
    let Some((collection, mut layers)) = plan.collections.into_iter().next() else {
        return Err(fail(format!("{} holds no collection", args.file.display())));
    };
    layers.push(cli_layer);
    let request = find_request(&collection, &args.request)?;
    let mut vars = resolve_vars(&collection, &layers).map_err(|e| fail(e.render()))?;
    let given: HashSet<&str> = args
        .input
        .vars
        .iter()
        .chain(&args.input.secrets)
        .map(|(n, _)| n.as_str())
        .collect();
    let unset = vars.clone();
    let mut shell_vars = ShellVars::default();
    shell_vars.stand_in(&collection, request, &mut vars, &given);
    let ctx = vars
        .context_for(&collection, request.scope)
        .map_err(|e| fail(e.to_string()))?;
    let http = render_request(&collection, request, &ctx, secrets).map_err(|e| {
        fail(match e {
            RenderFailure::Template(e) => format!("cannot render request `{}`: {e}", request.path),
            RenderFailure::File(m) => format!("cannot render request `{}`: {m}", request.path),
        })
    })?;
    check_plain_substitution(&collection, request, unset, &given, &http, secrets)?;
    let mut cmd = command(&collection, request, &http, &ctx)?;
    if !has_header(&cmd, "authorization")
        && let Some(auth) = request.auth.as_deref()
    {
        authorize_command(
            auth,
            &collection,
            &ctx,
            args,
            &mut cmd,
            &mut shell_vars,
            secrets,
        )?;
    }
    mask_credentials(&mut cmd, args.show_secrets, secrets);
    shell_vars.explain(&mut cmd);
    let text = render(&cmd, &shell_vars.names);
    let shown = if args.show_secrets {
        text
    } else {
        secrets.mask(&text).into_owned()
    };
    if !args.show_secrets && shown.contains(crate::secrets::MASK) {
        eprintln!(
            "note: secret values are shown as {}; add --show-secrets to print them",
            crate::secrets::MASK
        );
    }
    print!("{shown}");
    Ok(())
}

fn has_header(cmd: &CurlCommand, name: &str) -> bool {
    cmd.headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case(name))
}

/// Whether the command's body is an urlencoded form.
fn has_form_type(cmd: &CurlCommand) -> bool {
    cmd.headers.iter().any(|(n, v)| {
        n.eq_ignore_ascii_case("content-type") && v.starts_with("application/x-www-form-urlencoded")
    })
}

/// The rendered request as a command: URL, headers, body, the collection's TLS and redirect
/// settings.
fn command(
    collection: &Collection,
    request: &Request,
    http: &HttpRequest,
    ctx: &minijinja::Value,
) -> Result<CurlCommand, ImportError> {
    let mut cmd = CurlCommand {
        method: http.method.clone(),
        url: http.url.clone(),
        headers: http.headers.clone(),
        insecure: collection.settings.insecure.unwrap_or(false),
        follow_redirects: collection.settings.follow_redirects.unwrap_or(true),
        ..CurlCommand::default()
    };
    match &http.body {
        HttpBody::Empty => {}
        HttpBody::Bytes { data, content_type } => {
            match content_type {
                Some(ct) if !has_header(&cmd, "content-type") => {
                    cmd.headers.push(("Content-Type".into(), ct.to_string()));
                }
                // curl would send its form content type with --data-raw; the runner sends none
                None if !has_header(&cmd, "content-type") => {
                    cmd.remove_headers.push("Content-Type".into());
                }
                _ => {}
            }
            cmd.body = CurlBody::Data(String::from_utf8_lossy(data).into_owned());
        }
        HttpBody::Multipart(fields) => {
            let mut files = file_paths(collection, request, ctx)?.into_iter();
            let parts = fields
                .iter()
                .map(|(name, value)| {
                    let part = match value {
                        MultipartValue::Text(text) => CurlPart::Text(text.clone()),
                        MultipartValue::File { file_name, .. } => {
                            CurlPart::File(files.next().unwrap_or_else(|| file_name.clone()))
                        }
                    };
                    (name.clone(), part)
                })
                .collect();
            cmd.body = CurlBody::Form(parts);
        }
    }
    Ok(cmd)
}

/// Secret headers registered for masking; unless shown, written as `Bearer ***`.
fn mask_credentials(cmd: &mut CurlCommand, show: bool, secrets: &Secrets) {
    for (name, value) in &mut cmd.headers {
        if !crate::secrets::is_secret_header(name) {
            continue;
        }
        secrets.add_header_value(value);
        if !show && !has_marker(value) {
            // keep the scheme readable
            *value = match value.split_once(' ') {
                Some((scheme, _)) => format!("{scheme} {}", crate::secrets::MASK),
                None => crate::secrets::MASK.to_string(),
            };
        }
    }
}

/// The request named NAME: by its `group/name` path, else by its own name if that is unique.
fn find_request<'c>(collection: &'c Collection, name: &str) -> Result<&'c Request, ImportError> {
    if let Some(r) = collection.requests.iter().find(|r| r.path == name) {
        return Ok(r);
    }
    let by_name: Vec<&Request> = collection
        .requests
        .iter()
        .filter(|r| r.name == name)
        .collect();
    match by_name.as_slice() {
        [one] => Ok(one),
        [] => {
            let candidates = collection
                .requests
                .iter()
                .flat_map(|r| [r.path.as_str(), r.name.as_str()]);
            let suggestion = crate::suggest::closest(name, candidates)
                .and_then(|s| {
                    let r = collection
                        .requests
                        .iter()
                        .find(|r| r.path == s || r.name == s)?;
                    Some(format!(" (did you mean `{}`?)", r.path))
                })
                .unwrap_or_default();
            Err(ImportError::Export(format!(
                "no request `{name}` in {}{suggestion}",
                collection.path.display()
            )))
        }
        several => Err(ImportError::Export(format!(
            "several requests are called `{name}`; name one of: {}",
            several
                .iter()
                .map(|r| r.path.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// The paths of the request's multipart files, in order, as the runner would read them.
fn file_paths(
    collection: &Collection,
    request: &Request,
    ctx: &minijinja::Value,
) -> Result<Vec<String>, ImportError> {
    let Some(Body::Multipart(parts)) = &request.body else {
        return Ok(Vec::new());
    };
    let mut paths = Vec::new();
    for (_, part) in parts {
        if let Part::File(tpl) = part {
            let rendered = collection
                .templates
                .render(tpl, ctx)
                .map_err(|e| ImportError::Export(e.to_string()))?;
            paths.push(collection.dir.join(rendered).display().to_string());
        }
    }
    Ok(paths)
}

/// The request's `auth:` on the command: bearer and basic as headers, OAuth2 as `$TOKEN`
/// with a comment on how to get one.
fn authorize_command(
    auth: &Auth,
    collection: &Collection,
    ctx: &minijinja::Value,
    args: &ExportCurlArgs,
    cmd: &mut CurlCommand,
    shell_vars: &mut ShellVars,
    secrets: &Secrets,
) -> Result<(), ImportError> {
    if let Auth::OAuth2(_) = auth {
        let mut token_cmd = format!(
            "runner token {}",
            shell::quote(&args.file.display().to_string())
        );
        if let Some(env) = &args.input.env {
            token_cmd.push_str(&format!(" -e {}", shell::quote(env)));
        }
        for (name, value) in &args.input.vars {
            token_cmd.push_str(&format!(
                " --var {}",
                shell::quote(&format!("{name}={value}"))
            ));
        }
        let (name, marker) = shell_vars.name("TOKEN");
        cmd.comments
            .push("The request authenticates with OAuth2; fetch a token first:".into());
        cmd.comments
            .push(format!("  {name}=$({token_cmd} --raw | tail -n 1)"));
        cmd.headers
            .push(("Authorization".into(), format!("Bearer {marker}")));
        return Ok(());
    }
    match authorize::prepare(auth, collection, ctx, secrets) {
        Ok(Credentials::Header(value)) => {
            cmd.headers.push(("Authorization".into(), value));
            Ok(())
        }
        Ok(Credentials::Digest { username, password }) => {
            cmd.digest = Some(format!("{username}:{password}"));
            Ok(())
        }
        Ok(Credentials::OAuth1(credentials)) => {
            cmd.comments.push(
                "The OAuth 1.0 signature holds the time it was made; export again for a fresh one"
                    .into(),
            );
            let form = match &cmd.body {
                CurlBody::Data(text) if has_form_type(cmd) => {
                    form_urlencoded::parse(text.as_bytes())
                        .into_owned()
                        .collect()
                }
                _ => Vec::new(),
            };
            let value = authorize::oauth1_header(&credentials, &cmd.method, &cmd.url, &form);
            secrets.add_header_value(&value);
            cmd.headers.push(("Authorization".into(), value));
            Ok(())
        }
        Ok(Credentials::OAuth2(_)) => Ok(()),
        Err(e) => Err(ImportError::Export(format!("cannot render auth: {e}"))),
    }
}
