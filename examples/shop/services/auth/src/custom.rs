//! Hand-written logic of service `auth`.

use std::collections::BTreeMap;

use crate::generated::*;
use user::UserProfile;

/// How long a session lives.
pub const SESSION_SECONDS: i64 = 3_600;

impl SessionTokenFn for SessionToken {
    /// `tok-<user id as 8 hex digits>-<issue time in hex>`: sortable by user.
    fn call(profile: UserProfile, issued_at: i64) -> String {
        format!("tok-{:08x}-{:x}", profile.id, issued_at)
    }
}

/// Locks a session after three failed logins; the lock is lifted by `unlock`.
#[derive(Debug, Default)]
pub struct LoginGuard {
    pub failed_logins: u32,
}

impl SessionFlowHooks for LoginGuard {
    fn on_login(&mut self, _from: SessionFlowState) -> Result<(), String> {
        if self.failed_logins >= 3 {
            return Err(format!(
                "{} failed logins: use unlock first",
                self.failed_logins
            ));
        }
        Ok(())
    }
    fn on_logout(&mut self, _from: SessionFlowState) -> Result<(), String> {
        Ok(())
    }
    fn on_lock(&mut self, _from: SessionFlowState) -> Result<(), String> {
        Ok(())
    }
    fn on_unlock(&mut self, _from: SessionFlowState) -> Result<(), String> {
        self.failed_logins = 0;
        Ok(())
    }
}

/// Issues and validates sessions for users found through the `user` service.
pub struct AuthService<'a> {
    users: UserClient<'a>,
    sessions: BTreeMap<String, Session>,
    /// Sessions issued per user id, for rate limiting.
    issued_per_user: BTreeMap<i32, u32>,
    pub now: i64,
}

impl<'a> AuthService<'a> {
    pub fn new(users: &'a dyn user::UserApi, now: i64) -> Self {
        AuthService {
            users: UserClient { user: users },
            sessions: BTreeMap::new(),
            issued_per_user: BTreeMap::new(),
            now,
        }
    }

    /// Signs a user in by email; at most 5 live sessions per user.
    pub fn sign_in(&mut self, email: &str) -> Result<Session, String> {
        let profile = self
            .users
            .user_get_user(email.to_string())?
            .ok_or_else(|| format!("no user with email {email}"))?;
        let count = self.issued_per_user.entry(profile.id).or_insert(0);
        if *count >= 5 {
            return Err(format!("user {:>5}: too many sessions", profile.id));
        }
        *count += 1;
        let session = Session {
            token: session_token(profile.clone(), self.now),
            user_id: profile.id,
            email: profile.email,
            expires_at: self.now + SESSION_SECONDS,
        };
        self.sessions.insert(session.token.clone(), session.clone());
        Ok(session)
    }
}

impl AuthApi for AuthService<'_> {
    fn validate_session(&self, input: String) -> Result<Option<Session>, String> {
        Ok(self
            .sessions
            .get(&input)
            .filter(|s| s.expires_at > self.now)
            .cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use user::{Tier, UserService};

    fn users() -> UserService {
        let mut svc = UserService::default();
        let ada = UserProfile {
            id: 42,
            display_name: "Ada".to_string(),
            email: "ada@example.com".to_string(),
            tier: Tier::Vip,
        };
        svc.register(ada).unwrap();
        svc
    }

    #[test]
    fn token_encodes_user_id_in_hex() {
        let users = users();
        let mut auth = AuthService::new(&users, 1_000);
        let session = auth.sign_in("ada@example.com").unwrap();
        assert_eq!(session.token, "tok-0000002a-3e8");
        assert_eq!(session.user_id, 42);
        assert_eq!(session.expires_at, 4_600);
        assert_eq!(
            auth.validate_session(session.token.clone()),
            Ok(Some(session))
        );
        auth.now = 5_000;
        assert_eq!(
            auth.validate_session("tok-0000002a-3e8".to_string()),
            Ok(None)
        );
    }

    #[test]
    fn unknown_users_and_too_many_sessions_are_refused() {
        let users = users();
        let mut auth = AuthService::new(&users, 0);
        assert!(auth.sign_in("bob@example.com").is_err());
        for _ in 0..5 {
            auth.sign_in("ada@example.com").unwrap();
        }
        let err = auth.sign_in("ada@example.com").unwrap_err();
        assert_eq!(err, "user    42: too many sessions");
    }

    #[test]
    fn session_flow_follows_the_table_and_the_guard() {
        let mut flow = SessionFlow::new();
        let mut guard = LoginGuard::default();
        assert_eq!(
            flow.fire(&mut guard, SessionFlowEvent::Login),
            Ok(SessionFlowState::Active)
        );
        assert_eq!(
            flow.fire(&mut guard, SessionFlowEvent::Login),
            Err(SessionFlowError::NotAllowed {
                from: SessionFlowState::Active,
                event: SessionFlowEvent::Login
            })
        );
        flow.fire(&mut guard, SessionFlowEvent::Lock).unwrap();
        guard.failed_logins = 3;
        flow.fire(&mut guard, SessionFlowEvent::Unlock).unwrap();
        assert_eq!(guard.failed_logins, 0);
        assert_eq!(flow.state(), SessionFlowState::INITIAL);
    }
}
