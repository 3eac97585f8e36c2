//! Talking to the running node: finds its address and token in the data
//! directory and turns API errors into messages for people.

use amser_node::DataDir;
use anyhow::{anyhow, Context};
use reqwest::Method;
use serde_json::Value;

/// How long one API request may take before the CLI gives up.
const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// An error the node sent back: its stable code and its message.
#[derive(Debug)]
pub struct ApiFailure {
    pub code: String,
    pub message: String,
}

impl std::fmt::Display for ApiFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ApiFailure {}

pub struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Client {
    /// Connects to the node that runs on `dir`.
    pub fn for_dir(dir: &DataDir) -> anyhow::Result<Client> {
        dir.require_initialised()?;
        let addr = dir.read_api_addr().ok_or_else(|| not_running(dir))?;
        let token = dir.load_token()?;
        let http = reqwest::Client::builder().timeout(REQUEST_TIMEOUT).build().context("could not set up the HTTP client")?;
        Ok(Client { http, base: format!("http://{addr}/api/v1"), token })
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<&Value>) -> anyhow::Result<Response> {
        let mut req = self.http.request(method, format!("{}{}", self.base, path)).bearer_auth(&self.token);
        if let Some(body) = body {
            req = req.json(body);
        }
        let resp = req.send().await.map_err(|e| {
            if e.is_connect() {
                NotRunning(format!("the node is not answering at {} (is it running? start it with `amser up`)", self.base)).into()
            } else {
                anyhow!("the request to the node failed: {e}")
            }
        })?;
        let status = resp.status();
        let is_json = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        let bytes = resp.bytes().await.context("reading the node's answer")?;
        if !status.is_success() {
            let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            let code = v["error"]["code"].as_str().unwrap_or("error").to_string();
            let message = v["error"]["message"].as_str().map(str::to_string).unwrap_or_else(|| format!("the node answered {status}"));
            return Err(ApiFailure { code, message }.into());
        }
        if is_json {
            Ok(Response::Json(serde_json::from_slice(&bytes).context("the node's answer is not valid JSON")?))
        } else {
            Ok(Response::Bytes(bytes.to_vec()))
        }
    }

    pub async fn get(&self, path: &str) -> anyhow::Result<Value> {
        self.call(Method::GET, path, None).await?.json()
    }

    pub async fn post(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        self.call(Method::POST, path, Some(body)).await?.json()
    }

    pub async fn patch(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        self.call(Method::PATCH, path, Some(body)).await?.json()
    }
}

pub enum Response {
    Json(Value),
    Bytes(Vec<u8>),
}

impl Response {
    pub fn json(self) -> anyhow::Result<Value> {
        match self {
            Response::Json(v) => Ok(v),
            Response::Bytes(_) => Err(anyhow!("the node answered with something other than JSON")),
        }
    }
}

/// No node is running on the data directory.
#[derive(Debug)]
pub struct NotRunning(pub String);

impl std::fmt::Display for NotRunning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NotRunning {}

pub fn not_running(dir: &DataDir) -> anyhow::Error {
    NotRunning(format!("the node for {} is not running; start it with `amser up --data {}`", dir.root().display(), dir.root().display()))
        .into()
}

/// Encodes a path segment (member codes contain ':').
pub fn seg(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
