Documentation.addTranslations({
 "locale": "no",
 "messages": {
  ", in ": ", i",
  "Hide Search Matches": "Skjul søkeresultater",
  "Preparing search...": "Forbereder søket …",
  "Search": "Søk",
  "Search Results": "Søkeresultater",
  "Search finished, found one page matching the search query.": [
   "Søket er ferdig: 1 side passer til søket.",
   "Søket er ferdig: ${resultCount} sider passer til søket."
  ],
  "Searching": "Søker",
  "Your search did not match any documents. Please make sure that all words are spelled correctly and that you've selected enough categories.": "Ingen sider passer til søket. Sjekk stavemåten, eller prøv et annet ord."
 },
 "plural_expr": "n === 1 ? 0 : 1"
});
