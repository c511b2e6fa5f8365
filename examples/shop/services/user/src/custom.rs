//! Hand-written logic of service `user`.

use crate::generated::*;

impl UserStoreRules for UserStoreMemory {
    fn validate(entity: &UserProfile) -> Result<(), String> {
        if entity.display_name.trim().is_empty() {
            return Err("display name must not be empty".to_string());
        }
        if !entity.email.contains('@') {
            return Err(format!("email {:?} has no '@'", entity.email));
        }
        Ok(())
    }
}

/// The `user` service: a profile store behind the `get-user` RPC and the
/// `lookup-user` MCP tool.
#[derive(Debug, Default)]
pub struct UserService {
    pub store: UserStoreMemory,
}

impl UserService {
    /// Registers a profile; emails are unique ignoring case.
    pub fn register(&mut self, profile: UserProfile) -> Result<(), UserStoreError> {
        if self.find_by_email(&profile.email).is_some() {
            return Err(UserStoreError::AlreadyExists);
        }
        self.store.create(profile)
    }

    fn find_by_email(&self, email: &str) -> Option<UserProfile> {
        let wanted = email.to_lowercase();
        self.store
            .list()
            .into_iter()
            .find(|p| p.email.to_lowercase() == wanted)
    }
}

impl UserApi for UserService {
    fn get_user(&self, input: Email) -> Result<Option<UserProfile>, String> {
        if !input.contains('@') {
            return Err(format!("get-user: {input:?} is not an email address"));
        }
        Ok(self.find_by_email(&input))
    }
}

impl LookupUserTool for UserService {
    fn call(&self, input: Email) -> Result<Option<UserProfile>, String> {
        self.get_user(input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ada() -> UserProfile {
        UserProfile {
            id: 7,
            display_name: "Ada".to_string(),
            email: "ada@example.com".to_string(),
            tier: Tier::Vip,
        }
    }

    #[test]
    fn register_then_lookup_by_email_ignoring_case() {
        let mut svc = UserService::default();
        svc.register(ada()).unwrap();
        let found = svc.get_user("ADA@example.com".to_string()).unwrap();
        assert_eq!(found, Some(ada()));
        assert_eq!(
            LookupUserTool::call(&svc, "bob@example.com".to_string()),
            Ok(None)
        );
        assert_eq!(LOOKUP_USER_TOOL_NAME, "lookup-user");
    }

    #[test]
    fn store_validates_and_keeps_keys_unique() {
        let mut svc = UserService::default();
        svc.register(ada()).unwrap();
        assert_eq!(svc.register(ada()), Err(UserStoreError::AlreadyExists));
        let mut nameless = ada();
        nameless.display_name = " ".to_string();
        assert!(matches!(
            svc.store.update(nameless),
            Err(UserStoreError::Invalid(_))
        ));
        assert_eq!(svc.store.delete(&ada().id), Ok(ada()));
        assert_eq!(svc.store.read(&ada().id), Err(UserStoreError::NotFound));
    }
}
