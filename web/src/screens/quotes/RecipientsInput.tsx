import { TagsInput } from "@mantine/core";
import { useTranslation } from "react-i18next";

export const MAX_RECIPIENTS = 4;

export function RecipientsInput({ value, onChange }: { value: string[]; onChange: (v: string[]) => void }) {
  const { t } = useTranslation();
  return (
    <TagsInput
      label={t("quotes.recipients")}
      description={t("quotes.recipientsHint", { max: MAX_RECIPIENTS })}
      value={value}
      onChange={onChange}
      maxTags={MAX_RECIPIENTS}
      splitChars={[",", " ", ";"]}
      placeholder="name@company.example"
    />
  );
}
