import i18n from "i18next";
import { initReactI18next } from "react-i18next";
import { en } from "./en";
import { fr } from "./fr";

export const LANGUAGES = ["en", "fr"] as const;
const KEY = "billing-orders.lang";

function initialLanguage(): string {
  const fromUrl = new URLSearchParams(window.location.search).get("lang");
  const stored = (() => {
    try {
      return localStorage.getItem(KEY);
    } catch {
      return null;
    }
  })();
  const wanted = fromUrl ?? stored ?? navigator.language.slice(0, 2);
  return (LANGUAGES as readonly string[]).includes(wanted) ? wanted : "en";
}

void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, fr: { translation: fr } },
  lng: initialLanguage(),
  fallbackLng: "en",
  interpolation: { escapeValue: false },
  returnNull: false,
});

function reflect(lng: string) {
  document.documentElement.lang = lng;
  try {
    localStorage.setItem(KEY, lng);
  } catch {
    /* private mode */
  }
}
reflect(i18n.language);
i18n.on("languageChanged", reflect);

export default i18n;
