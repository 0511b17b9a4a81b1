//! Inviting a new external user: the "already in the directory?" check and pre-flight, then the
//! invitation, recorded in History whatever came of it.

use b2b_core::invite::{self, InviteOptions, InvitePreflight, InviteRequest, InviteResult};
use b2b_core::AppError;

use crate::session::Acting;
use crate::Service;

impl Service {
    async fn invite_checks(
        &self,
        a: &Acting,
        email: &str,
        member: bool,
    ) -> Result<InvitePreflight, AppError> {
        let ctx = invite::load_context(&a.graph, email, a.scopes.clone()).await?;
        Ok(invite::preflight(email, member, &ctx))
    }

    /// Who already holds the address, and the checks before inviting.
    pub async fn invite_preflight(&self, email: &str, member: bool) -> Result<InvitePreflight, AppError> {
        let a = self.acting().await?;
        self.invite_checks(&a, email, member).await
    }

    /// Checks the choices (the organisation's locked values win), runs the pre-flight afresh (a
    /// user may have appeared since it was shown), invites and records History.
    pub async fn invite_user(
        &self,
        request: InviteRequest,
    ) -> Result<(InvitePreflight, Result<InviteResult, AppError>), AppError> {
        let a = self.acting().await?;
        let mut o = request.into_options(&a.actor.tenant_id)?;
        self.policy().enforce(&mut o.mail);
        if o.mail.sponsors.is_empty() {
            o.mail.sponsors = self.default_sponsors();
        }
        let pre = self.invite_checks(&a, &o.email, o.member).await?;
        let result = self.perform_invite(&a, &pre, &o).await;
        Ok((pre, result))
    }

    pub(crate) async fn perform_invite(
        &self,
        a: &Acting,
        pre: &InvitePreflight,
        o: &InviteOptions,
    ) -> Result<InviteResult, AppError> {
        let result = invite::invite(&a.graph, pre, o).await;
        let entry = invite::history_entry(&a.actor, pre, o, &result, a.graph.last_request_id());
        // The invitation stands whatever happens to History; a failure to record it is logged.
        if let Err(e) = self.history().and_then(|h| h.append(&entry)) {
            tracing::error!("History: {}", e.message);
        }
        match &result {
            Ok(r) => tracing::info!(
                "Invite -> {} {} (request-id {:?})",
                r.user_id,
                r.status,
                r.request_id
            ),
            Err(e) => tracing::warn!("Invite failed: {:?}", e.code),
        }
        result
    }
}
