//! A browser without JavaScript, for the web console's tests: it keeps the
//! cookies the node sets (and sends them back), follows no redirect by
//! itself (the test sees each 303 and its `Set-Cookie`), and reads the
//! forms' hidden CSRF fields out of the HTML.

use std::collections::BTreeMap;

use super::DEADLINE;

/// One page as the browser got it.
#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub set_cookies: Vec<String>,
    pub html: String,
    /// Every response header (names in lower case), in order.
    pub headers: Vec<(String, String)>,
}

impl Page {
    /// The value of the first hidden `csrf` field.
    #[track_caller]
    pub fn csrf(&self) -> String {
        self.field("csrf")
    }

    /// The value of the first input named `name`.
    #[track_caller]
    pub fn field(&self, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let at = self.html.find(&marker).unwrap_or_else(|| panic!("no field {name} in the page:\n{}", self.html)) + marker.len();
        self.html[at..].split('"').next().expect("a value").to_string()
    }

    /// The first value of response header `name` (lower case), if sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Whether the page's text holds `text` (as the HTML has it, escaped).
    pub fn shows(&self, text: &str) -> bool {
        self.html.contains(text)
    }

    /// Whether the page's text holds `text` as a person reads it (escaped
    /// here as the templates escape it: "sy'n" is `sy&#39;n` in the HTML).
    pub fn says(&self, text: &str) -> bool {
        let escaped = text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;");
        self.html.contains(&escaped)
    }
}

pub struct Browser {
    rt: tokio::runtime::Runtime,
    http: reqwest::Client,
    base: String,
    /// The cookies it holds, by name.
    pub cookies: BTreeMap<String, String>,
    /// What it says in `Accept-Language`.
    pub accept_language: String,
}

impl Browser {
    /// A browser for the node at `addr` (`127.0.0.1:PORT`), in English.
    pub fn new(addr: &str) -> Browser {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
        let http = reqwest::Client::builder().timeout(DEADLINE).redirect(reqwest::redirect::Policy::none()).build().expect("http client");
        Browser { rt, http, base: format!("http://{addr}"), cookies: BTreeMap::new(), accept_language: "en-GB,en;q=0.9".into() }
    }

    fn send(&mut self, request: reqwest::RequestBuilder) -> Page {
        let cookie = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
        let request = request.header("accept-language", &self.accept_language).header("cookie", cookie);
        let (status, location, set_cookies, headers, html) = self.rt.block_on(async {
            let r = request.send().await.expect("the node answers");
            let status = r.status().as_u16();
            let location = r.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_string);
            let set: Vec<String> = r.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).map(str::to_string).collect();
            let headers = r.headers().iter().map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string())).collect();
            (status, location, set, headers, r.text().await.expect("a body"))
        });
        for c in &set_cookies {
            let pair = c.split(';').next().unwrap_or("");
            if let Some((name, value)) = pair.split_once('=') {
                let expired = c.contains("Max-Age=0") || value.is_empty();
                if expired {
                    self.cookies.remove(name);
                } else {
                    self.cookies.insert(name.to_string(), value.to_string());
                }
            }
        }
        Page { status, location, set_cookies, html, headers }
    }

    pub fn get(&mut self, path: &str) -> Page {
        let request = self.http.get(format!("{}{path}", self.base));
        self.send(request)
    }

    /// Posts a form (`application/x-www-form-urlencoded`).
    pub fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let request = self.http.post(format!("{}{path}", self.base)).form(fields);
        self.send(request)
    }

    /// Posts a form with a file in it (`multipart/form-data`), as a browser
    /// sends a file input: `fields`, then `file` as (field, file name, bytes).
    pub fn post_file(&mut self, path: &str, fields: &[(&str, &str)], file: (&str, &str, &[u8])) -> Page {
        const BOUNDARY: &str = "----amser-test-boundary-7f3a9c";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
            );
        }
        let (name, file_name, bytes) = file;
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
        let request = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
            .body(body);
        self.send(request)
    }

    /// Signs in as `name` with `password` from the sign-in page; the answer to the form.
    pub fn sign_in(&mut self, name: &str, password: &str) -> Page {
        let form = self.get("/sign-in");
        assert_eq!(form.status, 200, "{}", form.html);
        let csrf = form.csrf();
        self.post("/sign-in", &[("csrf", &csrf), ("name", name), ("password", password)])
    }

    /// Follows a sign-in link and chooses `password`; the answer to the form.
    pub fn welcome(&mut self, link_path: &str, password: &str) -> Page {
        let form = self.get(link_path);
        assert_eq!(form.status, 200, "{}", form.html);
        let csrf = form.csrf();
        self.post(link_path, &[("csrf", &csrf), ("password", password), ("confirm", password)])
    }
}
