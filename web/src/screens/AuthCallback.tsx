import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";
import { appConfig } from "../auth/config";
import { LoadingRows } from "../components/common";
import { Alert, Container } from "@mantine/core";

export default function AuthCallback() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [failed, setFailed] = useState<string | null>(null);
  useEffect(() => {
    void (async () => {
      try {
        const config = await appConfig();
        if (config.auth.mode !== "oidc") return navigate("/sign-in", { replace: true });
        const { completeSignIn } = await import("../auth/oidc");
        navigate(await completeSignIn(config.auth), { replace: true });
      } catch (e) {
        setFailed(String(e));
      }
    })();
  }, [navigate]);
  return (
    <Container py="xl">
      <main>
        {failed ? (
          <Alert color="red" role="alert" title={t("signIn.failed")}>
            {failed}
          </Alert>
        ) : (
          <LoadingRows rows={2} />
        )}
      </main>
    </Container>
  );
}
